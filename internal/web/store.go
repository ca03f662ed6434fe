package web

import (
	"context"

	"github.com/spoor/spoor/internal/intel"
)

// Store is what the web layer reads and writes. Users, sessions and
// tokens go through *auth.Service instead. Writes carry the acting user
// in their context (intel.WithActor) so the store audits them.
type Store interface {
	FindObjectByID(ctx context.Context, id int64) (*intel.Object, error)
	FindObjects(ctx context.Context, f intel.ObjectFilter) (intel.Page[*intel.Object], error)
	CreateObject(ctx context.Context, o *intel.Object) error
	UpdateObject(ctx context.Context, id int64, u intel.ObjectUpdate) (*intel.Object, error)
	DeleteObject(ctx context.Context, id int64) error
	FindProfile(ctx context.Context, id int64) (*intel.Profile, error)

	FindDocumentByID(ctx context.Context, id int64) (*intel.Document, error)
	FindDocuments(ctx context.Context, f intel.DocumentFilter) (intel.Page[*intel.Document], error)
	CreateDocument(ctx context.Context, d *intel.Document) error
	UpdateDocument(ctx context.Context, id int64, u intel.DocumentUpdate) (*intel.Document, error)
	DeleteDocument(ctx context.Context, id int64) error

	FindIndicatorByID(ctx context.Context, id int64) (*intel.Indicator, error)
	FindIndicators(ctx context.Context, f intel.IndicatorFilter) (intel.Page[*intel.Indicator], error)
	CreateIndicator(ctx context.Context, i *intel.Indicator) error
	UpdateIndicator(ctx context.Context, id int64, u intel.IndicatorUpdate) (*intel.Indicator, error)
	DeleteIndicator(ctx context.Context, id int64) error

	Search(ctx context.Context, q intel.SearchQuery) ([]intel.SearchHit, error)
	Counts(ctx context.Context) (intel.Counts, error)
	FindAudit(ctx context.Context, f intel.AuditFilter) (intel.Page[*intel.AuditEntry], error)
}
