package secret

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Sealer seals a value for its place (a *Box; keyfile.Keys, which loads
// its key on first use).
type Sealer interface {
	Seal(plain, ad string) (string, error)
}

// Opener opens a sealed value of a place.
type Opener interface {
	Open(sealed, ad string) (string, error)
}

// Place is where a secret belongs: What names it in messages, AD binds
// its seal. Each kind of secret has its constructor here (SourceOption,
// ForumCookie; a webhook's secret next), so every writer and reader of one agrees.
type Place struct {
	What string
	AD   string
}

// SourceOption is the place of a source's option that holds a credential
// (intel.SecretOption). Sources are named, not numbered, because the name
// is what identifies a source across stores (spoor migrate copies rows
// under new IDs); a source's name does not change.
func SourceOption(source, option string) Place {
	return Place{
		What: fmt.Sprintf("option %s of source %q", option, source),
		// The length keeps the parts apart whatever the name holds.
		AD: "source-option:" + strconv.Itoa(len(source)) + ":" + source + ":" + option,
	}
}

// ForumCookie is the place of the session cookie a forum crawl sends;
// forums are named for the reason sources are.
func ForumCookie(forum string) Place {
	return Place{
		What: fmt.Sprintf("session cookie of forum %q", forum),
		AD:   "forum-cookie:" + strconv.Itoa(len(forum)) + ":" + forum,
	}
}

// Seal seals plain for p.
func (p Place) Seal(s Sealer, plain string) (string, error) {
	if s == nil {
		return "", fmt.Errorf("cannot encrypt %s: %w", p.What, ErrNoKey)
	}
	v, err := s.Seal(plain, p.AD)
	if err != nil {
		return "", fmt.Errorf("cannot encrypt %s: %w", p.What, err)
	}
	return v, nil
}

// Reveal returns the plain value of a stored one: a sealed value opened,
// a plain legacy value as it is. The error names the place ("cannot
// decrypt option token of source "X": wrong key (…)").
func (p Place) Reveal(o Opener, stored string) (string, error) {
	if !IsSealed(stored) {
		return stored, nil
	}
	if o == nil {
		return "", fmt.Errorf("cannot decrypt %s: %w", p.What, ErrNoKey)
	}
	v, err := o.Open(stored, p.AD)
	if err != nil {
		return "", fmt.Errorf("cannot decrypt %s: %w", p.What, err)
	}
	return v, nil
}

// Stored is one secret as a store keeps it: sealed, or plain when it was
// written before sealing existed.
type Stored struct {
	Place Place
	Value string
}

// Report says what a store's secrets need of the keys.
type Report struct {
	Total  int            `json:"total"`
	Plain  int            `json:"plain"`            // not sealed yet
	ByKey  map[string]int `json:"by_key,omitempty"` // sealed values per key id
	Failed []string       `json:"failed,omitempty"` // one line per value that does not open
}

// Inspect opens every stored secret with o and counts them. o may be nil
// (no key): every sealed value then fails.
func Inspect(o Opener, secrets []Stored) Report {
	r := Report{ByKey: map[string]int{}}
	for _, s := range secrets {
		r.Total++
		if !IsSealed(s.Value) {
			r.Plain++
			continue
		}
		id, _ := KeyID(s.Value)
		r.ByKey[id]++
		if _, err := s.Place.Reveal(o, s.Value); err != nil {
			r.Failed = append(r.Failed, err.Error())
		}
	}
	return r
}

// KeyIDs lists the ids of the keys the report's sealed values need,
// sorted.
func (r Report) KeyIDs() []string { return slices.Sorted(maps.Keys(r.ByKey)) }

// WebhookSecret is the place of the secret a user's webhook signs its
// deliveries with. Webhooks are named per user, and named rather than
// numbered for the reason sources are.
func WebhookSecret(login, name string) Place {
	return Place{
		What: fmt.Sprintf("secret of webhook %q of %s", name, login),
		AD:   "webhook-secret:" + strconv.Itoa(len(login)) + ":" + login + ":" + name,
	}
}
