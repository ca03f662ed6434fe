package runowner_test

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/runowner"
)

func TestState(t *testing.T) {
	linux := runtime.GOOS == "linux"
	_, ns, _ := strings.Cut(runowner.Self, " ")
	host, _, _ := strings.Cut(runowner.Self, ":")
	tests := []struct {
		name         string
		owner        string
		alive, known bool
	}{
		{"this process", runowner.Self, linux, linux},
		{"the parent process", runowner.Of(os.Getppid()), linux, linux},
		{"a PID above Linux's pid_max", runowner.Of(4194305), false, linux},
		{"another host", "elsewhere.example:1 " + ns, false, false},
		{"another PID namespace", host + ":1 other/namespace", false, false},
		{"no namespace", host + ":1", false, false},
		{"PID not a number", host + ":x " + ns, false, false},
		{"PID zero", host + ":0 " + ns, false, false},
		{"empty", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alive, known := runowner.State(tt.owner)
			if alive != tt.alive || known != tt.known {
				t.Errorf("State(%q) = alive %v, known %v; want %v, %v", tt.owner, alive, known, tt.alive, tt.known)
			}
		})
	}
}

func TestOfNamesThisHostAndPID(t *testing.T) {
	if got, want := runowner.Of(os.Getpid()), runowner.Self; got != want {
		t.Errorf("Of(own pid) = %q, Self = %q", got, want)
	}
	if !strings.Contains(runowner.Of(42), ":42 ") {
		t.Errorf("Of(42) = %q, want host:42 namespace", runowner.Of(42))
	}
}
