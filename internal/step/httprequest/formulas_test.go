package httprequest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

// TestDoStopsAFormulaAtTheStepTimeout: a formula still running when the
// step's timeout passes stops there, with an error naming the pill, and
// nothing is sent.
func TestDoStopsAFormulaAtTheStepTimeout(t *testing.T) {
	t.Parallel()
	s, n := counter(t)
	// A timeout of 1ns has passed by the time the formula starts: what is
	// shown is that the step's timeout reaches the formula, without
	// depending on how fast this machine runs it.
	slow := `{{ sum(map(1..100000, # * 2)) + sum(map(1..100000, # * 3)) }}`
	r := compile(t, recipe.Step{URL: s.URL + "/n/" + slow, Timeout: recipe.Duration(time.Nanosecond)})
	o := executor().Do(context.Background(), r, pill.Env{}, nil, "")
	if o.Err == nil {
		t.Fatal("the step succeeded")
	}
	if !errors.Is(o.Err, pill.ErrFormulaBudget) || !errors.Is(o.Err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the formula budget error wrapping context.DeadlineExceeded", o.Err)
	}
	if !strings.HasPrefix(o.Err.Error(), "url: pill {{ sum(") || !strings.Contains(o.Err.Error(), "stopped by the step's deadline") {
		t.Errorf("err %q does not name the field, the pill and the deadline", o.Err)
	}
	if o.Retryable {
		t.Error("a formula over its budget is not retryable: it would do the same again")
	}
	if got := n.Load(); got != 0 {
		t.Errorf("the target got %d requests, want none", got)
	}
}

// TestDoSharesOneBudgetAcrossTheStep: the URL, headers, query and body of
// an attempt spend one budget together.
func TestDoSharesOneBudgetAcrossTheStep(t *testing.T) {
	t.Parallel()
	s, n := counter(t)
	nineMB := `{{ len(repeat("x", 9000000)) }}`
	r := compile(t, recipe.Step{Method: "POST", URL: s.URL + "/n/" + nineMB,
		Body: json.RawMessage(`{"n": "` + strings.ReplaceAll(nineMB, `"`, `\"`) + `"}`)})
	o := executor().Do(context.Background(), r, pill.Env{}, nil, "")
	if !errors.Is(o.Err, pill.ErrFormulaBudget) || !strings.HasPrefix(o.Err.Error(), "body: n: pill {{ len(repeat(") {
		t.Fatalf("err = %v, want the body's pill over the budget the URL's shared", o.Err)
	}
	if got := n.Load(); got != 0 {
		t.Errorf("the target got %d requests, want none", got)
	}
	// Each attempt has a budget of its own.
	r = compile(t, recipe.Step{URL: s.URL + "/n/" + nineMB})
	for range 2 {
		if o := executor().Do(context.Background(), r, pill.Env{}, nil, ""); o.Err != nil {
			t.Fatalf("one pill within the budget: %v", o.Err)
		}
	}
}
