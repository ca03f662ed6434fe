// Package fingerprint keeps a profile of every attack group along the three
// dimensions of analysis — content (techniques, software, indicators,
// sectors, description terms), space (victim and infrastructure countries)
// and time (hour-of-week activity) — and measures how alike two groups are,
// per dimension and combined, with the evidence they share.
//
// The measures follow what an analyst weighs: a shared rare indicator or
// malware family says more than a shared common technique, so set
// dimensions use Jaccard similarity weighted by inverse document frequency
// over all groups; description terms use the cosine of TF-IDF vectors; time
// and country distributions use one minus the Jensen–Shannon divergence.
// The combined score is a weighted mean over the dimensions where both
// groups have data, so a group known only by its techniques is compared on
// techniques alone rather than punished for what no source reported.
//
// The package is pure: it takes events and texts as values and returns
// profiles and scores. Storing them, and rebuilding them when events change,
// is the caller's work.
package fingerprint
