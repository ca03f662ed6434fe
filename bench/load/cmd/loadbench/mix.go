package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// routes are the reads the benchmark knows by name. {group} is replaced by
// the ID of the group named by -group, looked up once before the run.
var routes = map[string]string{
	"group":          "/groups/{group}",
	"search":         "/search?q=com",
	"indicators":     "/indicators?type=domain",
	"dashboard":      "/",
	"api-groups":     "/api/v1/groups?prefix=AP&limit=50",
	"api-group":      "/api/v1/groups/{group}",
	"api-search":     "/api/v1/search?q=com",
	"api-indicators": "/api/v1/indicators?type=domain",
	"api-counts":     "/api/v1/counts",
}

// defaultMix weighs the pages a little above the API: analysts read pages.
const defaultMix = "group=2,search=2,indicators=2,dashboard=2,api-groups=1,api-search=1,api-indicators=1"

// target is one route of the mix with its weight.
type target struct {
	Name   string
	Path   string
	Weight int
}

// parseMix reads "name=weight,name=weight,…" (a name alone weighs 1; a
// name may also be "name:/path" for a route the table does not hold). The
// order of the result is the order of the names, so a run is repeatable.
func parseMix(s string) ([]target, error) {
	var out []target
	seen := map[string]bool{}
	for field := range strings.SplitSeq(s, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		spec, weight := field, 1
		// A path may hold "=" itself (a query): after a path, only a
		// number is a weight.
		_, _, custom := strings.Cut(field, ":")
		if i := strings.LastIndexByte(field, '='); i >= 0 {
			n, err := strconv.Atoi(field[i+1:])
			switch {
			case err == nil && n >= 0:
				spec, weight = field[:i], n
			case !custom:
				return nil, fmt.Errorf("mix %q: weight %q is not a whole number ≥ 0", field, field[i+1:])
			}
		}
		name, path, _ := strings.Cut(spec, ":")
		if custom {
			if !strings.HasPrefix(path, "/") {
				return nil, fmt.Errorf("mix %q: the path must start with /", field)
			}
		} else {
			p, ok := routes[name]
			if !ok {
				return nil, fmt.Errorf("mix %q: unknown route %q (known: %s; or name:/path=weight)", field, name, strings.Join(routeNames(), ", "))
			}
			path = p
		}
		if seen[name] {
			return nil, fmt.Errorf("mix %q: route %q named twice", field, name)
		}
		seen[name] = true
		if weight > 0 {
			out = append(out, target{Name: name, Path: path, Weight: weight})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mix %q: no route with a weight above 0", s)
	}
	return out, nil
}

func routeNames() []string {
	names := make([]string, 0, len(routes))
	for n := range routes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// schedule spreads the targets by weight over one cycle, interleaved
// (a,b,a,c,a,b,…) rather than in runs, so that every stretch of the run
// sees the whole mix: the i-th request of the run is cycle[i%len(cycle)].
func schedule(ts []target) []int {
	total := 0
	for _, t := range ts {
		total += t.Weight
	}
	// Smooth weighted round robin (as nginx balances upstreams).
	cur := make([]int, len(ts))
	out := make([]int, 0, total)
	for range total {
		best := -1
		for i, t := range ts {
			cur[i] += t.Weight
			if best < 0 || cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		out = append(out, best)
	}
	return out
}
