package threat_test

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/forum/threat"
	"github.com/spoor/spoor/internal/nlp"
	"github.com/spoor/spoor/internal/testenv"
)

// realData reads the labelled hacker-forum files and the ATT&CK names.
func realData(t *testing.T) *threat.Dataset {
	t.Helper()
	testenv.Acceptance(t)
	dir := testenv.DataDir(t)
	f, err := os.Open(filepath.Join(dir, "mitre-attack", "enterprise-attack-13.1.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	a, err := nlp.ReadATTACK(zr, "attack")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := threat.ReadFiles(threat.LabelledFiles, func(n string) (io.ReadCloser, error) {
		return os.Open(filepath.Join(dir, "hacker-forum", n))
	})
	if err != nil {
		t.Fatal(err)
	}
	return threat.Build(rows, threat.NamesFromATTACK(a.Techniques), threat.HandKinds())
}

func TestAcceptanceEvaluate(t *testing.T) {
	ds := realData(t)
	t.Logf("rows %d threads %d examples %d untitled %d kinds %d resolution %+v", ds.Rows, ds.Threads, len(ds.Examples), ds.Untitled, ds.KindLabels, ds.Resolution)
	ev, err := threat.Evaluate(ds, threat.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	base := map[threat.Target]threat.Score{}
	for _, r := range ev.Rows {
		t.Logf("%-9s %-8s n=%d c=%d acc=%.3f f1=%.3f any=%.3f", r.Target, r.Model, r.Examples, r.Classes, r.Accuracy, r.MacroF1, r.AnyLabel)
		if r.Model == threat.ModelMajority {
			base[r.Target] = r
		}
	}
	for _, r := range ev.Rows {
		if r.Model != threat.ModelMajority && r.MacroF1 <= base[r.Target].MacroF1 {
			t.Errorf("%s %s macro-F1 %.3f not above the majority baseline %.3f", r.Target, r.Model, r.MacroF1, base[r.Target].MacroF1)
		}
	}
	if len(ds.Resolution.Unmatched) == 0 && ds.Resolution.TechniqueNames == 0 {
		t.Error("no technique names read")
	}
}

// On the real files, the folds of every target hold each thread and each
// title on one side only.
func TestAcceptanceFoldsKeepThreadsAndTitlesTogether(t *testing.T) {
	ds := realData(t)
	byGroup := map[int]*threat.Example{}
	for _, ex := range ds.Examples {
		byGroup[ex.Group] = ex
	}
	for _, target := range threat.Targets {
		xs := ds.For(target)
		groups := make([]int, len(xs))
		for i, x := range xs {
			groups[i] = x.Group
		}
		folds := threat.GroupFolds(groups, 5, 1)
		foldOf := map[string]int{}
		check := func(key string, f int) {
			if g, ok := foldOf[key]; ok && g != f {
				t.Fatalf("%s: %q in folds %d and %d", target, key, g, f)
			}
			foldOf[key] = f
		}
		for i, x := range xs {
			ex := byGroup[x.Group]
			for _, th := range ex.Threads {
				check("thread "+th, folds[i])
			}
			if title := strings.Join(strings.Fields(strings.ToLower(ex.Title)), " "); title != "" {
				check("title "+title, folds[i])
			}
		}
	}
}
