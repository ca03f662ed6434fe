package intel

// EntityMention is an entity a labeller recognised in a document's text:
// its type (the model's, such as HackOrg or MALWARE), the text, its byte
// offsets in Document.Text, the confidence and the model that found it.
type EntityMention struct {
	DocumentID int64   `json:"document_id,omitempty"`
	Type       string  `json:"type"`
	Text       string  `json:"text"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Confidence float64 `json:"confidence"`
	Model      string  `json:"model"`
}

// TechniqueMention is an ATT&CK technique mapped from a document's text,
// with its score, how it was found (id, name or classifier), the sentence
// that supports it and that sentence's byte offsets, and the model.
type TechniqueMention struct {
	DocumentID int64   `json:"document_id,omitempty"`
	Technique  string  `json:"technique"` // ATT&CK ID, T1059 or T1059.001
	Score      float64 `json:"score"`
	Method     string  `json:"method"`
	Sentence   string  `json:"sentence"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Model      string  `json:"model"`
}
