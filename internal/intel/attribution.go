package intel

// SharedIndicator is a stored indicator an event shares with a group's
// events: how many of them hold it, and the sources they came from.
type SharedIndicator struct {
	GroupID int64         `json:"-"`
	Type    IndicatorType `json:"type"`
	Value   string        `json:"value"`
	Events  int           `json:"events"`
	Sources []string      `json:"sources"`
}

// AttributionChecks is what the store holds that lets a person check an
// attribution to some groups: the indicators the event shares with each
// group's events, and the groups' past events that carry techniques,
// software, sectors or victims (Indicators left out) to compare with.
type AttributionChecks struct {
	Shared []SharedIndicator
	Events []*Event
}
