// Package threat finds threat events in hacker-forum threads and posts: it
// classifies them by ATT&CK technique and tactic, by kind of activity
// (release, trade, service, tutorial, request, recruitment, leak,
// discussion) and by the poster's role (as the labelled data names roles:
// Author, Information Seeker, Buyer, Vendor), and turns a classified post
// into an intel.Event with the entities it names.
//
// Data. ReadLabelled reads the labelled forum CSVs of the hacker-forum data
// (0x00sec and hackforums thread titles with technique and tactic names,
// the annotated hackforums threads with roles and posts, the link-only
// file); ReadFamilies the ransomware reference file. Technique names, as
// annotators wrote them (any case, singular or plural, a few letters off),
// resolve to ATT&CK IDs through a Names table the caller builds from the
// store or an ATT&CK bundle; names that do not resolve are counted in
// Resolution, never dropped silently. Build joins the rows of one thread
// (the files overlap) and the threads of one title into one example, so a
// cross-validation fold never holds a thread, or a copy of its title, on
// both sides. No kind labels come with the data: labels/kinds.tsv holds
// 288 threads labelled by hand by reading their titles (and posts where the
// file has them), 230 of them a random sample, the rest picked by words of
// trade, services, hiring and leaks so that the rare kinds have examples;
// the file keeps thread keys and kinds only, no forum text.
//
// Models. Two classifiers over hashed features of the title (words, word
// bigrams, character 3- to 5-grams of the words) and of the post (words and
// bigrams): a multiclass averaged perceptron (the linear model) and a
// fastText-style network (mean of hashed feature embeddings, softmax layer,
// SGD with a linearly decaying rate). Evaluate cross-validates both and the
// majority baseline per target on GroupFolds; Train keeps, per target, the
// one with the better macro-F1 and calibrates its softmax temperature on
// the out-of-fold log loss. Training is reproducible: same data, options
// and seed, same model file byte for byte. The default model is embedded
// (model/).
//
// Events. Extractor.Extract classifies a post and collects the entities of
// internal/nlp's recogniser (groups, tools, malware, targets), the
// indicators of internal/ioc, prices and contact handles (simple
// patterns), and names the caller's Lookup links to stored groups and
// software; the intel.Event carries the techniques, software, group,
// kind (as purpose) and time, so analysis and attribution read it as any
// other event.
//
// The package is pure: it reads io.Readers and returns values.
package threat
