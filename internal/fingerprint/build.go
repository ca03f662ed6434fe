package fingerprint

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Build makes the index over every group's evidence. Words that are the
// name or an alias of any group are left out of the terms dimension: a
// description that says "also known as Sofacy" names a group rather than
// describing how it works, and counting it would make the terms measure
// repeat the alias lists (and leak them into its evaluation).
func Build(evidence []*intel.GroupEvidence) *Index {
	return NewIndex(Profiles(evidence))
}

// Profiles builds every group's profile from its evidence, as Build does.
func Profiles(evidence []*intel.GroupEvidence) []*Profile {
	names := map[string]bool{}
	for _, g := range evidence {
		for _, n := range append([]string{g.Name}, g.Aliases...) {
			for _, w := range Words(n) {
				names[w] = true
			}
		}
	}
	profiles := make([]*Profile, 0, len(evidence))
	for _, g := range evidence {
		p := FromEvidence(g)
		for w := range p.Terms {
			if names[w] {
				delete(p.Terms, w)
			}
		}
		profiles = append(profiles, p)
	}
	return profiles
}

// Store is what a rebuild reads and writes.
type Store interface {
	DeriveReportEvents(ctx context.Context) (intel.DerivedEvents, error)
	FindGroupEvidence(ctx context.Context) ([]*intel.GroupEvidence, error)
	SaveFingerprints(ctx context.Context, fps []intel.Fingerprint, took time.Duration) (*intel.FingerprintBuild, error)
}

// Rebuild builds every group's fingerprint from what the base holds and
// stores them, replacing the previous set in one transaction. It runs after
// a collection that changed something and by hand (`spoor analyze
// fingerprints`), so that pages read profiles rather than compute them.
// It first brings the events that cited reports imply up to date, since
// the change that calls for a rebuild (an ATT&CK release, a merge) is
// what moves them.
func Rebuild(ctx context.Context, st Store) (*intel.FingerprintBuild, error) {
	start := time.Now()
	if _, err := st.DeriveReportEvents(ctx); err != nil {
		return nil, fmt.Errorf("rebuild fingerprints: %w", err)
	}
	ev, err := st.FindGroupEvidence(ctx)
	if err != nil {
		return nil, fmt.Errorf("rebuild fingerprints: %w", err)
	}
	profiles := Profiles(ev)
	fps := make([]intel.Fingerprint, 0, len(profiles))
	for _, p := range profiles {
		b, err := Encode(p)
		if err != nil {
			return nil, err
		}
		fps = append(fps, intel.Fingerprint{GroupID: p.GroupID, Events: p.Events, Profile: b})
	}
	return st.SaveFingerprints(ctx, fps, time.Since(start))
}

// profileVersion is the layout of an encoded profile. A stored profile of
// another version is refused (and rebuilt) rather than read wrongly.
const profileVersion = 1

type encoded struct {
	Version int `json:"v"`
	*Profile
}

// Encode writes a profile as stored.
func Encode(p *Profile) ([]byte, error) {
	b, err := json.Marshal(encoded{profileVersion, p})
	if err != nil {
		return nil, fmt.Errorf("encode the fingerprint of group %d: %w", p.GroupID, err)
	}
	return b, nil
}

// Decode reads a stored profile.
func Decode(fp intel.Fingerprint) (*Profile, error) {
	e := encoded{Profile: &Profile{}}
	if err := json.Unmarshal(fp.Profile, &e); err != nil {
		return nil, fmt.Errorf("stored fingerprint of group %d: %w", fp.GroupID, err)
	}
	if e.Version != profileVersion {
		return nil, intel.Errorf(intel.CodeInvalid, "stored fingerprint of group %d has layout %d, this version reads %d: run spoor analyze fingerprints",
			fp.GroupID, e.Version, profileVersion)
	}
	e.Profile.GroupID = fp.GroupID
	return e.Profile, nil
}

// FromStored builds the similarity index over stored fingerprints.
func FromStored(fps []intel.Fingerprint) (*Index, error) {
	profiles := make([]*Profile, 0, len(fps))
	for _, fp := range fps {
		p, err := Decode(fp)
		if err != nil {
			return nil, err
		}
		profiles = append(profiles, p)
	}
	return NewIndex(profiles), nil
}
