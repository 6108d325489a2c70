package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The API tokens page: the tokens are listed without their secret, a new
// one is shown once and works, and Revoke makes the server refuse it.
func TestBrowserAPITokens(t *testing.T) {
	t.Parallel()
	exe := chromiumPath(t)
	s := startServer(t)
	b := startChromium(t, exe)

	b.do("sign in on the API tokens page",
		chromedp.Navigate(s.URL+"/#/tokens"),
		chromedp.SendKeys(chromedp.ID("token"), s.Token),
		chromedp.Click(chromedp.CSS(`.login-form button[type="submit"]`)))
	b.waitText(`tr.token[data-token="e2e"] td`, "e2e", true)
	if strings.Contains(b.pageText(), s.Token) {
		t.Fatal("the page shows a stored token")
	}

	b.do("create a token",
		chromedp.SendKeys(chromedp.ID("token-name"), "ci-bot"),
		chromedp.Click(chromedp.CSS(`.token-form button[type="submit"]`)))
	b.waitText(".token-created h2", "Token ci-bot created", true)
	b.waitText(`tr.token[data-token="ci-bot"] td`, "ci-bot", true)
	shown := strings.TrimSpace(b.eval("read the new token", `document.querySelector(".token-created .token-value").textContent`))
	if status, _ := s.raw("GET", "/api/v1/workspace", nil, shown); status != 200 {
		t.Fatalf("the token the page showed answers %d", status)
	}
	b.shot("api-tokens")

	b.eval("accept the confirmation", `(() => { window.confirm = () => true; return true; })()`)
	b.do("revoke it", chromedp.Click(chromedp.CSS(`tr.token[data-token="ci-bot"] button.danger`)))
	b.waitGone(`tr.token[data-token="ci-bot"]`)
	if status, _ := s.raw("GET", "/api/v1/workspace", nil, shown); status != 401 {
		t.Fatalf("a token revoked on the page answers %d, want 401", status)
	}
	b.noErrors()
}
