package e2e

import (
	"encoding/json"
	"testing"
	"time"
)

// Starting a schedule recipe fires its first event at once; its output
// carries the scheduled and the actual time.
func TestScheduleFirstEventOnStart(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	sink := httpbinServer(t)
	id := srv.createRecipe(map[string]any{"name": "hourly report",
		"trigger": map[string]any{"type": "schedule", "every": "1h"},
		"steps": []any{map[string]any{"id": "report", "method": "POST", "url": sink.URL + "/anything",
			"body": map[string]any{"at": "{{trigger.scheduled_time}}"}}}})
	if total, _ := srv.recipeJobs(id); total != 0 {
		t.Fatalf("a stopped schedule recipe has %d jobs", total)
	}
	before := time.Now().UTC().Add(-time.Second)
	srv.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, nil)
	waitFor(t, "the first event", func() bool { _, done := srv.recipeJobs(id); return done == 1 })
	// Starting again while started does not fire again.
	srv.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, nil)
	var list struct {
		Jobs []struct {
			ID string `json:"id"`
		} `json:"jobs"`
	}
	srv.mustCall(200, "GET", "/api/v1/recipes/"+id+"/jobs", nil, &list)
	j := srv.waitJob(list.Jobs[0].ID)
	if j.Status != "succeeded" {
		t.Fatalf("job %s: %s", j.Status, *j.Error)
	}
	var out struct {
		ScheduledTime time.Time `json:"scheduled_time"`
		ActualTime    time.Time `json:"actual_time"`
	}
	if err := json.Unmarshal(j.Trigger.Output, &out); err != nil {
		t.Fatalf("trigger output %s: %v", j.Trigger.Output, err)
	}
	if out.ScheduledTime.Before(before) || out.ActualTime.Before(out.ScheduledTime) {
		t.Fatalf("trigger output %s: want scheduled_time at the start, actual_time not before it", j.Trigger.Output)
	}
	h := srv.triggerHealth(id)
	if h.NextRunAt == nil || h.NextRunAt.Sub(out.ScheduledTime) != time.Hour {
		t.Fatalf("next run %v, want one hour after %v", h.NextRunAt, out.ScheduledTime)
	}
	time.Sleep(300 * time.Millisecond)
	if total, _ := srv.recipeJobs(id); total != 1 {
		t.Fatalf("%d jobs after starting twice, want 1", total)
	}
}

// A manual recipe runs one job per API call, with the body as its trigger
// output; a stopped one refuses, and a body that is not JSON is a 400.
func TestManualTrigger(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	sink := httpbinServer(t)
	id := srv.createRecipe(map[string]any{"name": "by hand",
		"trigger": map[string]any{"type": "manual", "payload_example": `{"order": 1}`},
		"steps":   []any{map[string]any{"id": "echo", "method": "POST", "url": sink.URL + "/anything", "body": map[string]any{"order": "{{trigger.order}}"}}}})
	if code, raw := srv.raw("POST", "/api/v1/recipes/"+id+"/run", `{"order": 7}`, srv.Token); code != 409 {
		t.Fatalf("run a stopped recipe = %d %s, want 409", code, raw)
	}
	srv.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, nil)
	if code, raw := srv.raw("POST", "/api/v1/recipes/"+id+"/run", `{"order": `, srv.Token); code != 400 {
		t.Fatalf("run with broken JSON = %d %s, want 400", code, raw)
	}
	var started struct {
		ID string `json:"id"`
	}
	srv.mustCall(202, "POST", "/api/v1/recipes/"+id+"/run", `{"order": 7}`, &started)
	j := srv.waitJob(started.ID)
	if j.Status != "succeeded" || string(j.Steps[0].Input.Body) != `{"order":7}` {
		t.Fatalf("job %s, step body %s", j.Status, j.Steps[0].Input.Body)
	}
}

// Polling and schedule documents are validated like webhooks: 422 naming
// the path; a polling trigger's datatree is that of one record.
func TestTriggerValidation(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	cases := []struct {
		trigger map[string]any
		path    string
	}{
		{map[string]any{"type": "polling", "url": "http://127.0.0.1/x", "items_path": "items"}, "trigger.id_path"},
		{map[string]any{"type": "polling", "url": "http://127.0.0.1/x", "id_path": "id", "interval": "10ms"}, "trigger.interval"},
		{map[string]any{"type": "polling", "url": "http://127.0.0.1/x", "id_path": "id", "pagination": map[string]any{"type": "pages"}}, "trigger.pagination.type"},
		{map[string]any{"type": "polling", "url": "http://127.0.0.1/x?a={{trigger.id}}", "id_path": "id"}, "trigger.url"},
		{map[string]any{"type": "polling", "url": "http://127.0.0.1/x", "id_path": "id", "since": "yesterday"}, "trigger.since"},
		{map[string]any{"type": "schedule", "cron": "61 * * * *"}, "trigger.cron"},
		{map[string]any{"type": "schedule", "cron": "0 9 * * *", "timezone": "Mars/Base"}, "trigger.timezone"},
		{map[string]any{"type": "schedule", "every": "500ms"}, "trigger.every"},
		{map[string]any{"type": "schedule"}, "trigger"},
	}
	for _, c := range cases {
		var e struct {
			Error struct {
				Details []struct {
					Path string `json:"path"`
				} `json:"details"`
			} `json:"error"`
		}
		code := srv.call("POST", "/api/v1/recipes", map[string]any{"name": "bad", "trigger": c.trigger, "steps": []any{}}, &e)
		found := false
		for _, d := range e.Error.Details {
			found = found || d.Path == c.path
		}
		if code != 422 || !found {
			t.Errorf("%v: %d %+v, want 422 at %s", c.trigger, code, e, c.path)
		}
	}
	var v struct {
		Datatree struct {
			Trigger []struct {
				Path string `json:"path"`
			} `json:"trigger"`
		} `json:"datatree"`
	}
	id := srv.createRecipe(map[string]any{"name": "poll", "trigger": map[string]any{"type": "polling", "url": "http://127.0.0.1/x",
		"id_path": "id", "items_path": "data.items", "response_example": `{"data": {"items": [{"id": 1, "email": "a@example.com"}]}}`}, "steps": []any{}})
	srv.mustCall(200, "GET", "/api/v1/recipes/"+id, nil, &v)
	var paths []string
	for _, f := range v.Datatree.Trigger {
		paths = append(paths, f.Path)
	}
	if len(paths) != 2 || paths[0] != "id" || paths[1] != "email" {
		t.Fatalf("polling datatree %v, want one record's fields [id email]", paths)
	}
	// A test run of a polling recipe gets one record of the example.
	var j jobDoc
	srv.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test", nil, &j)
	var out map[string]any
	if err := json.Unmarshal(j.Trigger.Output, &out); err != nil || out["email"] != "a@example.com" || len(out) != 2 {
		t.Fatalf("test job's trigger output %s, want the example's first record", j.Trigger.Output)
	}
}
