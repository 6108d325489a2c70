package recipe

import (
	"slices"
	"testing"
)

func TestRetentionAndStoreValidation(t *testing.T) {
	const base = `{"name":"r","trigger":{"type":"manual"},"steps":[]`
	cases := []struct {
		name, extra string
		want        []string // problem paths
	}{
		{"none", ``, nil},
		{"both limits", `,"retention":{"days":7,"max_jobs":1000},"store":"metadata"`, nil},
		{"zero keeps forever", `,"retention":{"days":0},"store":"all"`, nil},
		{"negative days", `,"retention":{"days":-1}`, []string{"retention.days"}},
		{"too many days", `,"retention":{"days":40000}`, []string{"retention.days"}},
		{"negative max_jobs", `,"retention":{"max_jobs":-5}`, []string{"retention.max_jobs"}},
		{"unknown retention field", `,"retention":{"weeks":2}`, []string{"retention.weeks"}},
		{"unknown store", `,"store":"bodies"`, []string{"store"}},
		{"wrong type", `,"retention":"7d"`, []string{"retention"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, ps := Decode([]byte(base + c.extra + `}`))
			if len(ps) == 0 {
				doc.Normalize()
				ps = doc.Validate(func(string) bool { return true })
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Path)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("problems %v, want paths %v", ps, c.want)
			}
		})
	}
}

func TestRetentionRoundTrips(t *testing.T) {
	doc, ps := Decode([]byte(`{"name":"r","trigger":{"type":"manual"},"steps":[],"retention":{"days":0,"max_jobs":5},"store":"metadata"}`))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if doc.Retention == nil || doc.Retention.Days == nil || *doc.Retention.Days != 0 || *doc.Retention.MaxJobs != 5 || !doc.MetadataOnly() {
		t.Fatalf("decoded %+v", doc)
	}
}
