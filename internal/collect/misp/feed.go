package misp

import (
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// FeedResult is what a feed read brought: the events newer than the
// caller's marks, as one bundle, and the marks to keep for the next run.
type FeedResult struct {
	EventResult
	// Timestamps are the manifest timestamps (unix seconds) of every event
	// in the manifest; pass them as since next time.
	Timestamps map[string]int64
	// Unchanged counts events skipped because since had their timestamp.
	Unchanged int
}

type manifestEntry struct {
	Info      string   `json:"info"`
	Date      string   `json:"date"`
	Orgc      rawOrg   `json:"Orgc"`
	Tag       []rawTag `json:"Tag"`
	Timestamp flexTime `json:"timestamp"`
}

// ParseFeed reads a MISP feed from fsys: manifest.json (event UUID →
// info, date, Orgc, Tag, timestamp) and one <uuid>.json (or .json.gz) per
// event. fsys is a directory (os.DirFS) or anything serving the feed's
// files, such as an HTTP-backed FS. Events whose manifest timestamp is
// not newer than since[uuid] are skipped, so a scheduled collection only
// reads what changed. name is how errors refer to the feed.
func ParseFeed(fsys fs.FS, name string, src intel.Source, since map[string]int64) (*FeedResult, error) {
	mf, err := fsys.Open("manifest.json")
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "%s: manifest.json: %v", name, pathErr(err))
	}
	defer mf.Close()
	d, closeFn, err := newDecoder(mf, name+"/manifest.json")
	if err != nil {
		return nil, err
	}
	defer closeFn()
	var manifest map[string]manifestEntry
	if err := d.value("$", &manifest); err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	if manifest == nil {
		return nil, d.fail("$", 0, "a feed manifest is a JSON object of event UUIDs")
	}
	res := &FeedResult{
		EventResult: *newEventResult(src),
		Timestamps:  map[string]int64{},
	}
	uuids := make([]string, 0, len(manifest))
	for u := range manifest {
		uuids = append(uuids, u)
	}
	slices.Sort(uuids) // a stable order: the same feed gives the same bundle
	for _, u := range uuids {
		m := manifest[u]
		if !fs.ValidPath(u+".json") || strings.Contains(u, "/") {
			return nil, d.fail("$", 0, "event key %q is not a UUID", u)
		}
		ts := m.Timestamp.t.Unix()
		if m.Timestamp.t.IsZero() {
			ts = 0
		}
		res.Timestamps[u] = ts
		// An event without a timestamp cannot be known unchanged: read it.
		if prev, ok := since[u]; ok && ts != 0 && ts <= prev {
			res.Unchanged++
			continue
		}
		if err := readFeedEvent(fsys, name, u, m, src, &res.EventResult); err != nil {
			return nil, err
		}
	}
	res.finish()
	return res, nil
}

func readFeedEvent(fsys fs.FS, name, uuid string, m manifestEntry, src intel.Source, res *EventResult) error {
	file := uuid + ".json"
	f, err := fsys.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		file += ".gz"
		f, err = fsys.Open(file)
	}
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "%s: event %s listed in the manifest: %v", name, uuid, pathErr(err))
	}
	defer f.Close()
	fallback := &rawEvent{UUID: uuid, Info: m.Info, Date: m.Date, Timestamp: m.Timestamp, Orgc: m.Orgc, Tag: m.Tag}
	return parseEventInto(res, f, name+"/"+file, src, fallback)
}

// pathErr drops the *fs.PathError wrapper, whose path the message repeats.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
