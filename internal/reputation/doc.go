// Package reputation rates domain names: a reputation (malicious,
// suspicious, benign, unknown, or invalid for input that is no name), a
// score in [0, 1] whose 0.5 is the decision threshold, a threat category,
// threat tags, and the reasons — the rules that fired and the features
// that moved the model.
//
// What it reads, offline, from the name alone (FeatureNames): the
// registered label's length, entropy, digit, hyphen and vowel shares and
// runs; its log-likelihood per character under two character trigram
// models, one of benign and one of malicious names; how the ICANN suffix is
// spread over the two classes; whether the name sits under a dynamic-DNS
// or free-hosting provider (lists/, with their provenance); look-alikes of
// popular brands (edit distance through SymSpell deletion neighbourhoods,
// homoglyph folding, a brand as a token of a name registered elsewhere);
// and threat-dictionary words. What needs the store comes in as Signals,
// which only the rules read (storeRules): the feeds that list the name,
// believed together by their credibility (noisy-or) unless the name is
// warninglisted; the reputation of its registered domain when the base
// holds that domain, rated on its own evidence; how many of the other
// names the base holds under it are listed (not counted under a popular
// domain); and the groups and known-bad indicators it appears with in
// reports and in events of sources that do not list it — a feed's own
// events (a trail file of a family) only repeat the feed's listing, so
// they are named in the reasons and add nothing. The labelled data has no
// base around its names, so these are hand-weighted rules, not model
// features: a model could not learn their weight honestly.
//
// Two things are left out of the model on purpose, because the labelled
// data would teach them wrongly: the popularity rank (every benign name
// has one, no malicious name does) and anything about labels left of the
// registered domain (the benign names are the popularity list's
// registered domains, so "has a subdomain" would mean "malicious").
// Popularity enters as the brands of the look-alike check and as the
// popularity rule (a name on the list is benign before the model runs);
// the evaluation reports the model without that rule.
//
// Scoring, in order (Scorer.ScoreBatch): an invalid name is "invalid"; a
// whitelisted one (Whitelist: a name covers its subdomains) is benign; a
// name on the popularity list is benign; otherwise a binary GBDT
// (internal/gbdt) gives log-odds, the expert rules add theirs, and the sum
// is compared with the threshold that Train chose for the target
// false-positive rate (2 % by default) on validation names that training
// never saw — whole malware families held out, and a share of the benign
// names. Below the threshold, a name that a suspicious rule fired on is
// "suspicious". A multiclass GBDT names the category of every name not
// called benign.
//
// Train cross-fits the language models and suffix counts (each fifth of
// the training names gets its features from models of the other four), so
// the GBDT learns how far to trust them on names they have not seen.
// Evaluate measures the combination, the GBDT alone, the rules alone and
// the seed's two classifiers, a decision tree (CART) and k nearest
// neighbours, by 10-fold cross-validation and an 80/20 hold-out, each on a
// random split and on one that keeps every family on one side, and scores
// the hand-made long-tail benign names (LongTail; testdata/longtail.txt
// says how it was built).
//
// Service is what the CLI, the API, the pages and screening call: the
// newest model stored in the base (else the embedded one), the whitelist
// analysts keep in the base together with a file's, the evidence the base
// holds about the names (Store.FindDomainEvidence and FindDomainFamilies,
// one batched call each per batch), and the VirusTotal v3 domain report of
// a name when one was imported (ReadVT: the seed's
// twelve dimensions — detections through a truncated-normal CDF, the
// communicating files' through a skew-normal one, popularity, community
// reputation and votes, trusted engines, threat-dictionary verdicts and
// categories, age — which the rules read as Signals.VT).
//
// The package is pure: names and rows in, verdicts and figures out. A
// trained model is gzip-compressed JSON (Save, Load); the default one is
// embedded (model/default.json.gz, about 1 MB).
package reputation
