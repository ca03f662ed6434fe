// Package nlp reads cyber-threat-intelligence prose: it splits text into
// sentences and tokens (keeping indicators, CVE and ATT&CK IDs, file names
// and versions whole), reads the DNRTI and AnnoCTR corpora, trains and runs a
// sequence labeller (an averaged structured perceptron decoded with Viterbi
// over BIO tags), scores it entity by entity, and maps text to ATT&CK
// techniques.
//
// The labeller's features are the word, its shape, prefixes and suffixes,
// the neighbouring words and shapes, a coarse token kind (CVE, technique ID,
// hash, address, file name, version) and, when the model carries one, a
// gazetteer of known names (groups, software, countries, sectors, technique
// names) matched longest first. Models are saved as versioned, gzip-compressed
// files; Load refuses another format, version or a truncated file with an
// error that says so. The default models are embedded (model/), so tagging
// works offline.
//
// The package is pure: it reads io.Readers and returns values; it does no
// I/O of its own and keeps no package-level mutable state.
package nlp
