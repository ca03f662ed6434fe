package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/web"
)

func TestHostsFor(t *testing.T) {
	tests := []struct {
		listen     string
		configured []string
		want       []string
	}{
		{"127.0.0.1:8080", nil, web.LoopbackHosts},
		{"127.0.0.2:8080", nil, web.LoopbackHosts},
		{"[::1]:8080", nil, web.LoopbackHosts},
		{"localhost:8080", nil, web.LoopbackHosts},
		{"0.0.0.0:8080", nil, nil},
		{":8080", nil, nil},
		{"10.0.0.5:8080", nil, nil},
		{"127.0.0.1:8080", []string{"spoor.example.org"}, []string{"spoor.example.org"}},
		{"0.0.0.0:8080", []string{"spoor.example.org"}, []string{"spoor.example.org"}},
	}
	for _, tt := range tests {
		if got := web.HostsFor(tt.listen, tt.configured); !cmp.Equal(got, tt.want) {
			t.Errorf("HostsFor(%q, %q) = %q, want %q", tt.listen, tt.configured, got, tt.want)
		}
	}
}

// TestHostAllowList is the DNS-rebinding defence: a page on an
// attacker's domain, resolved to the server's address, sends its own
// name as Host and is refused before anything else runs.
func TestHostAllowList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		allowed []string
		host    string
		path    string
		want    int
	}{
		{"listed name", []string{"spoor.example.org"}, "spoor.example.org", "/login", 200},
		{"listed name with port and case", []string{"spoor.example.org"}, "Spoor.Example.ORG:8443", "/login", 200},
		{"listed name with a final dot", []string{"spoor.example.org"}, "spoor.example.org.", "/login", 200},
		{"other name", []string{"spoor.example.org"}, "rebind.attacker.example", "/login", 421},
		{"other name, API", []string{"spoor.example.org"}, "rebind.attacker.example:8080", "/api/v1/counts", 421},
		{"no host", []string{"spoor.example.org"}, "", "/login", 421},
		{"health checks by address", []string{"spoor.example.org"}, "10.0.0.7:8080", "/healthz", 200},
		{"loopback default: localhost", web.HostsFor("127.0.0.1:8080", nil), "localhost:8080", "/login", 200},
		{"loopback default: 127.0.0.1", web.HostsFor("127.0.0.1:8080", nil), "127.0.0.1:8080", "/login", 200},
		{"loopback default: [::1]", web.HostsFor("127.0.0.1:8080", nil), "[::1]:8080", "/login", 200},
		{"loopback default: a rebound name", web.HostsFor("127.0.0.1:8080", nil), "rebind.attacker.example:8080", "/login", 421},
		{"no list: any host", nil, "anything.example", "/login", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvWith(t, func(d *web.Deps) { d.AllowedHosts = tt.allowed })
			r := httptest.NewRequest("GET", tt.path, nil)
			r.Host = tt.host
			w := httptest.NewRecorder()
			e.Handler.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("Host %q %s: status %d, want %d; body %.300s", tt.host, tt.path, w.Code, tt.want, w.Body)
			}
			if tt.want == 421 {
				body := w.Body.String()
				if strings.Count(body, "\n") != 1 || !strings.Contains(body, "does not answer to host") {
					t.Errorf("refusal is not one line naming the host: %q", body)
				}
			}
		})
	}
}
