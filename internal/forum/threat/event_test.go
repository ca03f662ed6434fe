package threat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/forum/threat"
)

func TestExtract(t *testing.T) {
	m, err := threat.Default()
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]threat.Link{
		"njrat":         {Kind: "malware", ID: 7, Name: "njRAT"},
		"fancy bear":    {Kind: "group", ID: 3, Name: "APT28"},
		"cobalt strike": {Kind: "tool", ID: 9, Name: "Cobalt Strike"},
	}
	x := &threat.Extractor{Model: m, MinScore: 0, Lookup: func(name string) (threat.Link, bool) {
		l, ok := stored[strings.ToLower(name)]
		return l, ok
	}}
	when := time.Date(2014, 3, 2, 0, 0, 0, 0, time.UTC)
	te, err := x.Extract(threat.Post{
		Key:   "forum.example/tid/9",
		Title: "Selling crypted njRAT and Cobalt Strike beacons",
		Text: "Price $150 or 0.005 BTC, bulk 2k USD. Panel at 203.0.113.7 and hxxp://evil-panel[.]com/gate.php. " +
			"Contact telegram @crypt_king or jabber: seller@xmpp.example.org, discord crypt#1234, ICQ 6612345. " +
			"Same crew as Fancy Bear, they say.",
		Time: when,
	})
	if err != nil {
		t.Fatal(err)
	}
	type ent struct{ Type, Kind, Text, Source, Linked string }
	var got []ent
	linked := map[string]string{}
	for _, e := range te.Entities {
		if e.Link != nil {
			linked[e.Link.Name] = e.Type
		}
		if e.Source == "recogniser" || e.Link != nil || e.Source == "model" {
			continue // found by the recogniser or the lookup, whichever came first; cues: TestCues
		}
		g := ent{e.Type, e.Kind, e.Text, e.Source, ""}
		if e.Link != nil {
			g.Linked = e.Link.Name
		}
		got = append(got, g)
	}
	if diff := cmp.Diff(map[string]string{"njRAT": "malware", "Cobalt Strike": "tool", "APT28": "group"}, linked); diff != "" {
		t.Errorf("linked entities (-want +got):\n%s", diff)
	}
	want := []ent{
		{"price", "USD", "$150", "pattern", ""},
		{"price", "BTC", "0.005 BTC", "pattern", ""},
		{"price", "USD", "2k USD", "pattern", ""},
		{"ipv4", "", "203.0.113.7", "ioc", ""},
		{"url", "", "http://evil-panel.com/gate.php", "ioc", ""},
		{"domain", "", "evil-panel.com", "ioc", ""},
		{"contact", "telegram", "crypt_king", "pattern", ""},
		{"email", "", "seller@xmpp.example.org", "ioc", ""},
		{"contact", "jabber", "seller@xmpp.example.org", "pattern", ""},
		{"domain", "", "xmpp.example.org", "ioc", ""},
		{"contact", "discord", "crypt#1234", "pattern", ""},
		{"contact", "icq", "6612345", "pattern", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	ev := te.Event
	if ev.Key != "forum:forum.example/tid/9" || ev.Title != "Selling crypted njRAT and Cobalt Strike beacons" ||
		!ev.FirstSeen.Equal(when) || len(ev.Times) != 1 || ev.GroupLabel != "APT28" || ev.GroupID != 3 {
		t.Errorf("event %+v", ev)
	}
	for _, s := range []string{"njRAT", "Cobalt Strike"} {
		if !contains(ev.Software, s) {
			t.Errorf("event software %v lacks %s", ev.Software, s)
		}
	}
	// The event names linked software only; unlinked spans stay entities.
	for _, sw := range ev.Software {
		if sw != "njRAT" && sw != "Cobalt Strike" {
			t.Errorf("event software %q is no stored software", sw)
		}
	}
	if ev.Purpose == "" || ev.Confidence <= 0 || ev.Confidence > 1 {
		t.Errorf("purpose %q confidence %v", ev.Purpose, ev.Confidence)
	}
	for _, tech := range ev.Techniques {
		if tech == threat.NoneLabel {
			t.Error("the none class became a technique of the event")
		}
	}
	if err := ev.Validate(); err != nil {
		t.Errorf("event does not validate: %v", err)
	}
	for _, target := range threat.Targets {
		if len(te.Labels[target]) == 0 {
			t.Errorf("no %s label", target)
		}
	}
	text := "Selling crypted njRAT and Cobalt Strike beacons\n" + "Price"
	for _, e := range te.Entities {
		if e.Start < 0 || e.End < e.Start || e.End > len(text)+400 {
			t.Errorf("entity offsets %d..%d", e.Start, e.End)
		}
	}
}

func TestExtractEmptyPost(t *testing.T) {
	m, err := threat.Default()
	if err != nil {
		t.Fatal(err)
	}
	te, err := (&threat.Extractor{Model: m}).Extract(threat.Post{})
	if err != nil {
		t.Fatal(err)
	}
	if te.Event.Title != "forum post" || len(te.Entities) != 0 {
		t.Errorf("empty post: %+v", te)
	}
	if err := te.Event.Validate(); err != nil {
		t.Error(err)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
