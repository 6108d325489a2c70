package e2e

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// rvBase is a valid two-step recipe; each case below breaks one thing.
func rvBase() map[string]any {
	return map[string]any{
		"name": "Validation base",
		"trigger": map[string]any{
			"type": "webhook", "event": "val", "payload_type": "json",
			"payload_example": `{"id": 1, "token": "t"}`,
		},
		"steps": []any{
			map[string]any{
				"id": "get_order", "action": "http_request", "method": "GET",
				"url":     "https://example.com/orders/{{trigger.id}}",
				"headers": map[string]any{"Accept": "application/json"},
			},
			map[string]any{
				"id": "notify", "action": "http_request", "method": "POST",
				"url":       "https://example.com/notify",
				"body_type": "json",
				"body":      map[string]any{"order": "{{steps.get_order.body.id}}"},
			},
		},
	}
}

func rvStep(d map[string]any, i int) map[string]any { return d["steps"].([]any)[i].(map[string]any) }

func rvTrigger(d map[string]any) map[string]any { return d["trigger"].(map[string]any) }

// rvSend sends a raw body to the API with the given Authorization value.
func rvSend(t *testing.T, s *server, method, path, body string, auth string) whResponse {
	t.Helper()
	h := map[string]string{}
	if auth != "" {
		h["Authorization"] = auth
	}
	return whSend(t, whRequest{method: method, url: s.URL + path, contentType: "application/json", body: body, header: h})
}

func rvJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	fatalIf(t, err, "marshal")
	return string(b)
}

// rvRecipeCount is the number of recipes the API lists.
func rvRecipeCount(s *server) int {
	s.t.Helper()
	var list struct {
		Recipes []json.RawMessage `json:"recipes"`
	}
	s.mustCall(200, "GET", "/api/v1/recipes", nil, &list)
	return len(list.Recipes)
}

// rvCheckProblem checks a 422 invalid_recipe answer that lists exactly one
// problem, at path, whose message holds every one of msgs.
func rvCheckProblem(t *testing.T, resp whResponse, path string, msgs ...string) {
	t.Helper()
	if resp.status != 422 {
		t.Fatalf("status = %d, want 422: %s", resp.status, resp.body)
	}
	e := whDecodeError(t, resp.header, resp.body)
	t.Logf("%s: %+v", e.Message, e.Details)
	if e.Code != "invalid_recipe" {
		t.Errorf("error code = %q, want invalid_recipe", e.Code)
	}
	found := false
	for _, d := range e.Details {
		if d.Path != path {
			continue
		}
		found = true
		for _, m := range msgs {
			if !strings.Contains(d.Message, m) {
				t.Errorf("problem at %s says %q, want it to mention %q", path, d.Message, m)
			}
		}
	}
	if !found {
		t.Errorf("error.details = %+v, want a problem at path %q", e.Details, path)
	}
	if len(e.Details) != 1 {
		t.Errorf("error.details = %+v, want exactly one problem (only one thing is wrong)", e.Details)
	}
	if path != "" && !strings.Contains(e.Message, path) {
		t.Errorf("error message %q does not name the path %q", e.Message, path)
	}
}

// rvRefused posts rvBase changed by mut and checks it is refused with
// exactly one problem, at path, naming msgs; it returns the answer.
func rvRefused(t *testing.T, s *server, mut func(map[string]any), path string, msgs ...string) whResponse {
	t.Helper()
	doc := rvBase()
	mut(doc)
	resp := rvSend(t, s, "POST", "/api/v1/recipes", rvJSON(t, doc), "Bearer "+s.Token)
	rvCheckProblem(t, resp, path, msgs...)
	return resp
}

func TestRecipeValidation(t *testing.T) {
	t.Parallel()
	s := startServer(t)

	cases := []struct {
		name string
		mut  func(d map[string]any)
		path string
		msgs []string
	}{
		{"duplicate step ids", func(d map[string]any) { rvStep(d, 1)["id"] = "get_order" },
			"steps[1].id", []string{`duplicate step id "get_order"`, "steps[0]"}},
		{"pill naming a step that does not exist", func(d map[string]any) { rvStep(d, 1)["url"] = "{{steps.get_ordr.body.id}}" },
			"steps[1].url", []string{`unknown step "get_ordr" in {{steps.get_ordr.body.id}}`}},
		{"pill naming a later step", func(d map[string]any) { rvStep(d, 0)["url"] = "https://example.com/{{steps.notify.body.id}}" },
			"steps[0].url", []string{`"notify"`, "later", "{{steps.notify.body.id}}"}},
		{"unknown trigger type", func(d map[string]any) { rvTrigger(d)["type"] = "carrier_pigeon" },
			"trigger.type", []string{`unknown trigger type "carrier_pigeon"`, "webhook"}},
		{"unknown method", func(d map[string]any) { rvStep(d, 0)["method"] = "FETCH" },
			"steps[0].method", []string{`unknown method "FETCH"`, "GET"}},
		{"missing url", func(d map[string]any) { delete(rvStep(d, 0), "url") },
			"steps[0].url", []string{"required"}},
		{"unknown field metod", func(d map[string]any) { rvStep(d, 1)["metod"] = "PUT" },
			"steps[1].metod", []string{"unknown field"}},
		{"unknown field in the trigger", func(d map[string]any) { rvTrigger(d)["payload_typ"] = "xml" },
			"trigger.payload_typ", []string{"unknown field"}},
		{"connection that does not exist", func(d map[string]any) { rvStep(d, 0)["connection"] = "crm" },
			"steps[0].connection", []string{`"crm"`}},
		{"invalid payload_example for json", func(d map[string]any) { rvTrigger(d)["payload_example"] = "{\"id\": 1,\n \"x\": }" },
			"trigger.payload_example", []string{"json", "line 2, column 7"}},
		{"unclosed {{ in a header", func(d map[string]any) {
			rvStep(d, 0)["headers"] = map[string]any{"Authorization": "Bearer {{trigger.token"}
		}, "steps[0].headers.Authorization", []string{`unclosed "{{"`}},
		{"bad body_type", func(d map[string]any) { rvStep(d, 1)["body_type"] = "yaml" },
			"steps[1].body_type", []string{`unknown body type "yaml"`, "json"}},
		{"wrong type in a later step", func(d map[string]any) { rvStep(d, 1)["max_attempts"] = "three" },
			"steps[1].max_attempts", []string{"string"}},
		{"bad duration", func(d map[string]any) { rvStep(d, 0)["timeout"] = "soon" },
			"steps[0].timeout", []string{`"soon"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rvRefused(t, s, c.mut, c.path, c.msgs...)
			if n := rvRecipeCount(s); n != 0 {
				t.Errorf("after a refused document the API lists %d recipes, want 0", n)
			}
		})
	}
	if n := whDBCount(t, s, "recipes"); n != 0 {
		t.Errorf("the database holds %d recipes after only refused documents, want 0", n)
	}

	// Invalid JSON: refused with where it breaks (the '}' is at line 2, column 13).
	t.Run("invalid JSON", func(t *testing.T) {
		resp := rvSend(t, s, "POST", "/api/v1/recipes", "{\"name\": \"x\",\n  \"steps\": [}", "Bearer "+s.Token)
		if resp.status != 422 && resp.status != 400 {
			t.Fatalf("status = %d, want 422 or 400: %s", resp.status, resp.body)
		}
		e := whDecodeError(t, resp.header, resp.body)
		t.Logf("%s", e.Message)
		if !strings.Contains(e.Message, "line 2, column 13") {
			t.Errorf("message %q does not say line 2, column 13 (where the '}' is)", e.Message)
		}
		if n := rvRecipeCount(s); n != 0 {
			t.Errorf("the API lists %d recipes, want 0", n)
		}
	})

	// The base document itself is valid: each refusal above was for its one change.
	id := s.createRecipe(rvBase())

	t.Run("PUT of a bad document changes nothing", func(t *testing.T) {
		_, before := s.raw("GET", "/api/v1/recipes/"+id, nil, s.Token)
		bad := rvBase()
		bad["name"] = "Renamed"
		rvStep(bad, 1)["url"] = "{{steps.get_ordr.body.id}}"
		resp := rvSend(t, s, "PUT", "/api/v1/recipes/"+id, rvJSON(t, bad), "Bearer "+s.Token)
		rvCheckProblem(t, resp, "steps[1].url", `unknown step "get_ordr" in {{steps.get_ordr.body.id}}`)
		resp = rvSend(t, s, "PUT", "/api/v1/recipes/"+id, `{"name": "Renamed",`, "Bearer "+s.Token)
		if resp.status != 422 && resp.status != 400 {
			t.Errorf("PUT of invalid JSON = %d, want 422 or 400: %s", resp.status, resp.body)
		}
		_, after := s.raw("GET", "/api/v1/recipes/"+id, nil, s.Token)
		if !bytes.Equal(before, after) {
			t.Errorf("the stored recipe changed:\nbefore %s\nafter  %s", before, after)
		}
	})

	t.Run("two recipes with the same webhook event", func(t *testing.T) {
		dup := rvBase()
		dup["name"] = "Another recipe"
		resp := rvSend(t, s, "POST", "/api/v1/recipes", rvJSON(t, dup), "Bearer "+s.Token)
		if resp.status != 409 {
			t.Fatalf("status = %d, want 409: %s", resp.status, resp.body)
		}
		e := whDecodeError(t, resp.header, resp.body)
		if !strings.Contains(e.Message, `"val"`) || !strings.Contains(e.Message, "trigger.event") {
			t.Errorf("409 message %q does not name trigger.event and the event", e.Message)
		}
		if n := rvRecipeCount(s); n != 1 {
			t.Errorf("the API lists %d recipes, want 1", n)
		}

		// Moving another recipe onto the taken event is refused as well.
		other := rvBase()
		other["name"] = "Other"
		rvTrigger(other)["event"] = "val2"
		oid := s.createRecipe(other)
		_, before := s.raw("GET", "/api/v1/recipes/"+oid, nil, s.Token)
		rvTrigger(other)["event"] = "val"
		resp = rvSend(t, s, "PUT", "/api/v1/recipes/"+oid, rvJSON(t, other), "Bearer "+s.Token)
		if resp.status != 409 {
			t.Errorf("PUT onto a taken event = %d, want 409: %s", resp.status, resp.body)
		}
		_, after := s.raw("GET", "/api/v1/recipes/"+oid, nil, s.Token)
		if !bytes.Equal(before, after) {
			t.Errorf("a refused PUT changed the recipe:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestAPIAuthAndNotFound(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	id := s.createRecipe(rvBase())

	for _, c := range []struct{ name, auth string }{
		{"no token", ""},
		{"wrong token", "Bearer not-a-real-token"},
		{"token under another scheme", "Basic " + s.Token},
		{"empty bearer", "Bearer "},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/recipes", "/api/v1/recipes/" + id, "/api/v1/workspace"} {
				resp := rvSend(t, s, "GET", path, "", c.auth)
				if resp.status != 401 {
					t.Errorf("GET %s = %d, want 401: %s", path, resp.status, resp.body)
					continue
				}
				e := whDecodeError(t, resp.header, resp.body)
				if e.Code != "unauthorized" {
					t.Errorf("GET %s: code %q, want unauthorized", path, e.Code)
				}
				if resp.header.Get("WWW-Authenticate") == "" {
					t.Errorf("GET %s: 401 without WWW-Authenticate", path)
				}
				if strings.Contains(string(resp.body), "Validation base") {
					t.Errorf("GET %s leaked data without a valid token: %s", path, resp.body)
				}
			}
			resp := rvSend(t, s, "POST", "/api/v1/recipes", rvJSON(t, rvBase()), c.auth)
			if resp.status != 401 {
				t.Errorf("POST /api/v1/recipes = %d, want 401", resp.status)
			}
		})
	}
	if n := whDBCount(t, s, "recipes"); n != 1 {
		t.Errorf("database holds %d recipes, want 1 (unauthorized POSTs must store nothing)", n)
	}

	unknownID := whRandomUUID(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/no-such-thing"},
		{"GET", "/api/v2/recipes"},
		{"GET", "/api/v1/recipes/" + unknownID},
		{"PUT", "/api/v1/recipes/" + unknownID},
		{"DELETE", "/api/v1/recipes/" + unknownID},
		{"POST", "/api/v1/recipes/" + unknownID + "/start"},
		{"POST", "/api/v1/recipes/" + unknownID + "/capture"},
		{"GET", "/api/v1/recipes/" + unknownID + "/jobs"},
		{"GET", "/api/v1/jobs/" + unknownID},
		{"POST", "/api/v1/jobs/" + unknownID + "/rerun"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			body := ""
			if c.method == "PUT" {
				body = rvJSON(t, rvBase())
			}
			resp := rvSend(t, s, c.method, c.path, body, "Bearer "+s.Token)
			if resp.status != 404 {
				t.Fatalf("status = %d, want 404: %s", resp.status, resp.body)
			}
			e := whDecodeError(t, resp.header, resp.body)
			if e.Code != "not_found" {
				t.Errorf("code = %q, want not_found", e.Code)
			}
		})
	}
	if n := rvRecipeCount(s); n != 1 {
		t.Errorf("the API lists %d recipes, want 1", n)
	}
}
