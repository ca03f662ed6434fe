package stix

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// Observable is one indicator value a pattern names exactly, in canonical
// form.
type Observable struct {
	Type  intel.IndicatorType
	Value string
	Path  string // the object path it was compared with
	// Warninglist is the value's ioc.Match.Label: the warninglist it is
	// on or the special range it is in, as every import stores it.
	Warninglist string
}

// Skipped is a comparison of a pattern that yields no indicator, with why.
// Reason never contains the value, so reasons can be counted; Value holds it.
type Skipped struct {
	Path   string
	Reason string
	Value  string
}

// Observables returns the indicator values that the pattern names exactly:
// every non-negated equality (or IN list, or ISSUBSET network) on a
// supported object path whose value the ioc engine reads back as that type
// and value. Comparisons it cannot use are returned as skipped with a
// reason. Structural tests such as network-traffic:dst_ref.type = 'ipv4-addr'
// narrow the sibling value's type and are neither.
//
// Observables of alternatives (OR), of every observation and of qualified
// observations are all returned: each is a value worth watching for.
func (p *Pattern) Observables() (found []Observable, skipped []Skipped) {
	seen := map[intel.IndicatorKey]bool{}
	var walkObs func(e ObsExpr)
	walkObs = func(e ObsExpr) {
		switch e := e.(type) {
		case *ObsBinary:
			walkObs(e.Left)
			walkObs(e.Right)
		case *ObsQualified:
			walkObs(e.Expr)
		case *Observation:
			var comps []*Comparison
			collectComparisons(e.Comp, &comps, &skipped)
			f, s := observationValues(comps)
			for _, o := range f {
				k := intel.IndicatorKey{Type: o.Type, Value: o.Value}
				if !seen[k] {
					seen[k] = true
					found = append(found, o)
				}
			}
			skipped = append(skipped, s...)
		}
	}
	walkObs(p.Root)
	return found, skipped
}

func collectComparisons(c CompExpr, out *[]*Comparison, skipped *[]Skipped) {
	switch c := c.(type) {
	case *CompBinary:
		collectComparisons(c.Left, out, skipped)
		collectComparisons(c.Right, out, skipped)
	case *Comparison:
		*out = append(*out, c)
	case *Exists:
		*skipped = append(*skipped, Skipped{Path: c.Path.String(), Reason: "EXISTS names no value"})
	}
}

// refTypes maps the STIX types a *_ref.type test may name to the
// indicator types of the referenced object's value.
var refTypes = map[string][]intel.IndicatorType{
	"ipv4-addr":   {intel.IndicatorIPv4, intel.IndicatorCIDR},
	"ipv6-addr":   {intel.IndicatorIPv6, intel.IndicatorCIDR},
	"domain-name": {intel.IndicatorDomain},
	"email-addr":  {intel.IndicatorEmail},
	"url":         {intel.IndicatorURL},
}

// hashTypes maps STIX hash algorithm names, upper-cased without hyphens,
// to indicator types.
var hashTypes = map[string]intel.IndicatorType{
	"MD5": intel.IndicatorMD5, "SHA1": intel.IndicatorSHA1,
	"SHA256": intel.IndicatorSHA256, "SHA512": intel.IndicatorSHA512,
}

// pathTypes returns the indicator types a value at path may be, or a
// reason why the path is not supported. refType is what a sibling
// "<ref>.type = '…'" test said about a reference path ("" when none).
func pathTypes(path ObjectPath, refType func(ref string) string) ([]intel.IndicatorType, string) {
	steps := path.Steps
	key := path.Type + ":" + strings.Join(steps, ".")
	switch key {
	case "ipv4-addr:value", "ipv6-addr:value", "domain-name:value", "url:value", "email-addr:value":
		return refTypes[path.Type], ""
	case "autonomous-system:number":
		return []intel.IndicatorType{intel.IndicatorASN}, ""
	}
	switch {
	case (path.Type == "file" || path.Type == "artifact") && len(steps) == 2 && steps[0] == "hashes":
		alg := strings.ReplaceAll(strings.ToUpper(steps[1]), "-", "")
		if t, ok := hashTypes[alg]; ok {
			return []intel.IndicatorType{t}, ""
		}
		return nil, "unsupported hash algorithm"
	case path.Type == "email-message" && len(steps) >= 2 && steps[len(steps)-1] == "value" &&
		(steps[0] == "from_ref" || steps[0] == "sender_ref" || steps[0] == "to_refs" || steps[0] == "cc_refs"):
		return refTypes["email-addr"], ""
	case path.Type == "network-traffic" && len(steps) == 2 && (steps[0] == "src_ref" || steps[0] == "dst_ref") && steps[1] == "value":
		if t := refType(steps[0]); t != "" {
			if ts, ok := refTypes[t]; ok {
				return ts, ""
			}
			return nil, "unsupported reference type"
		}
		return []intel.IndicatorType{intel.IndicatorIPv4, intel.IndicatorIPv6, intel.IndicatorCIDR, intel.IndicatorDomain}, ""
	}
	return nil, "unsupported object path"
}

// isRefTypeTest reports whether c is a structural "<x>_ref.type = '…'"
// test that only says what a reference points at.
func isRefTypeTest(c *Comparison) (ref string, ok bool) {
	s := c.Path.Steps
	if len(s) == 2 && s[1] == "type" && strings.HasSuffix(s[0], "_ref") && c.Op == "=" && !c.Negate {
		return s[0], true
	}
	return "", false
}

func observationValues(comps []*Comparison) (found []Observable, skipped []Skipped) {
	refType := map[string]string{}
	for _, c := range comps {
		if ref, ok := isRefTypeTest(c); ok {
			refType[c.Path.Type+":"+ref] = c.Value.Text
		}
	}
	for _, c := range comps {
		if _, ok := isRefTypeTest(c); ok {
			continue
		}
		path := c.Path.String()
		types, reason := pathTypes(c.Path, func(ref string) string { return refType[c.Path.Type+":"+ref] })
		if reason != "" {
			skipped = append(skipped, Skipped{Path: pathShape(c.Path), Reason: reason, Value: c.Value.Text})
			continue
		}
		var values []Literal
		switch {
		case c.Negate || c.Op == "!=":
			skipped = append(skipped, Skipped{Path: path, Reason: "negated comparison", Value: c.Value.Text})
			continue
		case c.Op == "=":
			values = []Literal{c.Value}
		case c.Op == "IN":
			values = c.Value.Set
		case c.Op == "ISSUBSET" && (c.Path.Type == "ipv4-addr" || c.Path.Type == "ipv6-addr"):
			// A network the address lies in: the network is the indicator.
			values = []Literal{c.Value}
			types = []intel.IndicatorType{intel.IndicatorCIDR}
		default:
			skipped = append(skipped, Skipped{Path: path, Reason: c.Op + " names no exact value", Value: c.Value.Text})
			continue
		}
		for _, v := range values {
			t, canon, label, why := canonical(v, types)
			if why != "" {
				skipped = append(skipped, Skipped{Path: path, Reason: why, Value: v.Text})
				continue
			}
			found = append(found, Observable{Type: t, Value: canon, Path: path, Warninglist: label})
		}
	}
	return found, skipped
}

// pathShape is the path with list indexes folded to [*], so that skip
// reasons of one kind count together.
func pathShape(p ObjectPath) string {
	q := ObjectPath{Type: p.Type, Steps: slices.Clone(p.Steps)}
	for i, s := range q.Steps {
		if strings.HasPrefix(s, "[") {
			q.Steps[i] = "[*]"
		}
	}
	return q.String()
}

// canonical checks a literal against the indicator types its path allows
// with ioc.Check, the one check of indicator values (the extract page, the
// indicator form and the list and MISP imports use it too): the value is
// accepted only when it is exactly one indicator of an allowed type, and
// not defanged (a pattern is machine data). It returns the type, the
// canonical value and its label (ioc.Match.Label), or a reason that does
// not name the value.
func canonical(v Literal, types []intel.IndicatorType) (intel.IndicatorType, string, string, string) {
	text := v.Text
	switch v.Kind {
	case "string":
	case "int":
		if slices.Contains(types, intel.IndicatorASN) {
			n, err := strconv.ParseUint(text, 10, 32)
			if err != nil {
				return "", "", "", "AS number out of range"
			}
			text = "AS" + strconv.FormatUint(n, 10)
			break
		}
		return "", "", "", "value is not a string"
	default:
		return "", "", "", "value is not a string"
	}
	if strings.TrimSpace(text) != text || text == "" {
		return "", "", "", "value has surrounding space or is empty"
	}
	want := make([]ioc.Type, 0, len(types))
	for _, t := range types {
		if it, ok := ioc.ParseType(string(t)); ok {
			want = append(want, it)
		}
	}
	m, err := ioc.Check(text, want...)
	if ce, ok := errors.AsType[*ioc.CheckError](err); ok {
		if ce.Reason == ioc.ReasonType {
			return "", "", "", fmt.Sprintf("value is a %s, not a %s", ce.Found.Type, typeNames(types))
		}
		return "", "", "", fmt.Sprintf("value is not a valid %s", typeNames(types))
	} else if err != nil {
		return "", "", "", err.Error()
	}
	if m.Flags&ioc.FlagDefanged != 0 {
		return "", "", "", "value is defanged"
	}
	return intel.IndicatorType(m.Type.String()), m.Value, m.Label(), ""
}

func typeNames(ts []intel.IndicatorType) string {
	var s []string
	for _, t := range ts {
		s = append(s, string(t))
	}
	return strings.Join(s, " or ")
}
