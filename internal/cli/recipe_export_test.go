package cli

import "testing"

func TestSlugOf(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"Eventbrite new order -> get order details": "eventbrite-new-order-get-order-details",
		"  Run by hand! ":  "run-by-hand",
		"Déjà vu 2":        "d-j-vu-2",
		"../../etc/passwd": "etc-passwd",
		"":                 "recipe",
		"!!!":              "recipe",
		"a very long name that goes on and on and on and on and on and on": "a-very-long-name-that-goes-on-and-on-and-on-and-on-and-on-an",
	} {
		if got := slugOf(name); got != want {
			t.Errorf("slugOf(%q) = %q, want %q", name, got, want)
		}
	}
	if got := idSuffix("01a24ab7-aecc-7d3a-95c3-58d7bcfc64d1"); got != "bcfc64d1" {
		t.Errorf("idSuffix = %q", got)
	}
}
