package misp

import (
	"io"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Countries maps country names and codes, folded by intel.NormalizeName,
// to ISO 3166 alpha-2 codes. It is read from MISP's country galaxy
// (ParseCountries) and handed to the other parsers to normalise the
// country names their sources write ("Russian Federation", "Iran").
// A nil Countries knows only the alpha-2 codes themselves.
type Countries map[string]string

// commonNames are spellings the sources use that geonames does not.
var commonNames = map[string]string{
	"russian federation": "RU", "united states": "US", "usa": "US", "us": "US", "america": "US",
	"uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
	"republic of korea": "KR", "dprk": "KP", "democratic people's republic of korea": "KP",
	"czech republic": "CZ", "uae": "AE", "palestine": "PS", "the philippines": "PH",
	"türkiye": "TR", "turkiye": "TR", "islamic republic of iran": "IR", "viet nam": "VN",
}

// ParseCountries reads MISP's country cluster: each value names a country
// (value, description) with meta.ISO and meta.ISO3.
func ParseCountries(r io.Reader, name string) (Countries, error) {
	c, err := parseCluster(r, name)
	if err != nil {
		return nil, err
	}
	if c.Type != "country" {
		return nil, intel.Errorf(intel.CodeInvalid, "%s: cluster type is %q, want \"country\"", name, c.Type)
	}
	out := Countries{}
	for k, v := range commonNames {
		out[intel.NormalizeName(k)] = v
	}
	for _, v := range c.Values {
		iso := strings.ToUpper(strings.TrimSpace(v.Meta.str("ISO")))
		if len(iso) != 2 {
			continue
		}
		for _, n := range []string{iso, v.Value, v.Description, v.Meta.str("ISO3")} {
			if k := intel.NormalizeName(n); k != "" {
				out[k] = iso
			}
		}
	}
	return out, nil
}

// Code returns the alpha-2 code of a country name or code, or "" when s
// names no known country (a region, an organisation).
func (c Countries) Code(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if code, ok := c[intel.NormalizeName(s)]; ok {
		return code
	}
	if len(s) == 2 && isUpperAlpha(s) && (c == nil || c.known(s)) {
		return s
	}
	return ""
}

func (c Countries) known(code string) bool {
	_, ok := c[intel.NormalizeName(code)]
	return ok
}

func isUpperAlpha(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
