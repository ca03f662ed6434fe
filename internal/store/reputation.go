package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// ListWhitelist returns the reputation whitelist, by domain.
func (s *Store) ListWhitelist(ctx context.Context) ([]intel.WhitelistEntry, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, domain, reason, added_by, added_at FROM reputation_whitelist ORDER BY domain`)
	if err != nil {
		return nil, s.wrap("list whitelist", err)
	}
	defer rows.Close()
	var out []intel.WhitelistEntry
	for rows.Next() {
		var e intel.WhitelistEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.Domain, &e.Reason, &e.AddedBy, &at); err != nil {
			return nil, s.wrap("list whitelist", err)
		}
		e.AddedAt = fromMS(at)
		out = append(out, e)
	}
	return out, s.wrap("list whitelist", rows.Err())
}

// AddWhitelist whitelists a domain (the caller gives it canonical, as
// reputation.ParseName does) with a reason, as the ctx actor; adding a
// listed domain again replaces its reason. Audited.
func (s *Store) AddWhitelist(ctx context.Context, e *intel.WhitelistEntry) error {
	e.Domain, e.Reason = strings.TrimSpace(e.Domain), strings.TrimSpace(e.Reason)
	if e.Domain == "" || e.Reason == "" {
		return s.wrap("add to whitelist", intel.Errorf(intel.CodeInvalid, "a whitelist entry needs a domain and a reason"))
	}
	if err := intel.CheckText("reason", e.Reason); err != nil {
		return s.wrap("add to whitelist", err)
	}
	e.AddedBy, e.AddedAt = intel.ActorFrom(ctx).Login, truncMS(s.now())
	return s.wrap("add to whitelist", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.queryRow(ctx, tx, `INSERT INTO reputation_whitelist (domain, reason, added_by, added_at) VALUES (?, ?, ?, ?)
ON CONFLICT (domain) DO UPDATE SET reason = excluded.reason, added_by = excluded.added_by, added_at = excluded.added_at
RETURNING id`, e.Domain, e.Reason, e.AddedBy, ms(e.AddedAt)).Scan(&e.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "reputation.whitelist.add", "whitelist", e.ID, e.Domain+": "+e.Reason)
	}))
}

// RemoveWhitelist takes a domain off the whitelist, saying why (the
// reason goes to the audit log with the entry's old reason), or answers
// CodeNotFound.
func (s *Store) RemoveWhitelist(ctx context.Context, domain, reason string) error {
	if err := intel.CheckText("reason", reason); err != nil {
		return s.wrap("remove from whitelist", err)
	}
	return s.wrap("remove from whitelist", s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var old string
		err := s.queryRow(ctx, tx, `DELETE FROM reputation_whitelist WHERE domain = ? RETURNING id, reason`, domain).Scan(&id, &old)
		if err == sql.ErrNoRows {
			return intel.Errorf(intel.CodeNotFound, "%s is not on the whitelist", domain)
		}
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("%s (was: %s)", domain, old)
		if r := strings.TrimSpace(reason); r != "" {
			detail += ": " + r
		}
		return s.audit(ctx, tx, "reputation.whitelist.remove", "whitelist", id, detail)
	}))
}

// SaveDomainReports stores VirusTotal domain reports in one transaction,
// a newer report of a domain replacing the one held (an older one is
// ignored), and audits the import once. It returns how many it stored.
func (s *Store) SaveDomainReports(ctx context.Context, reports []*intel.DomainReport, what string) (int, error) {
	now := ms(s.now())
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range reports {
			if r.Domain == "" {
				return intel.Errorf(intel.CodeInvalid, "a domain report needs its domain")
			}
			f, err := json.Marshal(reportFeatures{r.Features, r.Tags})
			if err != nil {
				return fmt.Errorf("domain report %s: %w", r.Domain, err)
			}
			res, err := s.exec(ctx, tx, `INSERT INTO domain_reports (domain, analysed_at, imported_at, features, report) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (domain) DO UPDATE SET analysed_at = excluded.analysed_at, imported_at = excluded.imported_at,
features = excluded.features, report = excluded.report WHERE domain_reports.analysed_at <= excluded.analysed_at`,
				r.Domain, ms(r.AnalysedAt), now, string(f), r.Report)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err == nil {
				n += int(k)
			}
		}
		return s.audit(ctx, tx, "reputation.vt.import", "domain_report", 0, fmt.Sprintf("%d of %d reports from %s", n, len(reports), what))
	})
	return n, s.wrap("save domain reports", err)
}

// reportFeatures is the features column: the vector and the tags. NaN
// (a dimension the report has nothing for) is stored as null.
type reportFeatures struct {
	Features nullFloats `json:"v"`
	Tags     []string   `json:"tags"`
}

// nullFloats are floats whose NaNs travel through JSON as null.
type nullFloats []float64

func (f nullFloats) MarshalJSON() ([]byte, error) {
	parts := make([]string, len(f))
	for i, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			parts[i] = "null"
			continue
		}
		parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return []byte("[" + strings.Join(parts, ",") + "]"), nil
}

func (f *nullFloats) UnmarshalJSON(b []byte) error {
	var vs []*float64
	if err := json.Unmarshal(b, &vs); err != nil {
		return err
	}
	*f = make(nullFloats, len(vs))
	for i, v := range vs {
		(*f)[i] = math.NaN()
		if v != nil {
			(*f)[i] = *v
		}
	}
	return nil
}

// FindDomainReports returns the stored reports of the domains given that
// have one, by domain.
func (s *Store) FindDomainReports(ctx context.Context, domains []string) (map[string]*intel.DomainReport, error) {
	out := map[string]*intel.DomainReport{}
	for start := 0; start < len(domains); start += 500 {
		part := domains[start:min(start+500, len(domains))]
		args := make([]any, len(part))
		for i, d := range part {
			args[i] = d
		}
		rows, err := s.query(ctx, s.rdb, `SELECT domain, analysed_at, imported_at, features, report FROM domain_reports WHERE domain IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`)`, args...)
		if err != nil {
			return nil, s.wrap("find domain reports", err)
		}
		for rows.Next() {
			r := &intel.DomainReport{}
			var at, imp int64
			var f string
			if err := rows.Scan(&r.Domain, &at, &imp, &f, &r.Report); err != nil {
				rows.Close()
				return nil, s.wrap("find domain reports", err)
			}
			r.AnalysedAt, r.ImportedAt = fromMS(at), fromMS(imp)
			var rf reportFeatures
			if err := json.Unmarshal([]byte(f), &rf); err != nil {
				rows.Close()
				return nil, s.wrap("find domain reports", fmt.Errorf("features of %s: %w", r.Domain, err))
			}
			r.Features, r.Tags = rf.Features, rf.Tags
			out[r.Domain] = r
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.wrap("find domain reports", err)
		}
	}
	return out, nil
}
