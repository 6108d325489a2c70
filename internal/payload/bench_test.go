package payload

import (
	"fmt"
	"strings"
	"testing"
)

// benchJSON is a ~20 KB webhook-like document: an order with attendees.
func benchJSON() []byte {
	var b strings.Builder
	b.WriteString(`{"config":{"action":"order.placed","user_id":"144138753572","endpoint_url":"https://www.workato.com/webhooks/rest/4c364864/order","webhook_id":"287968"},"order":{"id":579759447,"total":"1249.50","created":"2024-05-01T10:00:00Z","attendees":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"email":"guest%d@example.com","name":"Guest \"%d\"","checked_in":%t,"answers":[{"q":"diet","a":"vegan \u00e9"}],"cost":{"value":%d.25,"currency":"USD"}}`, 1e9+i, i, i, i%2 == 0, i)
	}
	b.WriteString(`]},"api_url":"https://www.eventbriteapi.com/v3/orders/579759447/"}`)
	return []byte(b.String())
}

// benchXML is the same order as XML.
func benchXML() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<order xmlns="urn:shop" id="579759447"><total currency="USD">1249.50</total><created>2024-05-01T10:00:00Z</created>`)
	for i := range 100 {
		fmt.Fprintf(&b, "\n  <attendee id=\"%d\"><email>guest%d@example.com</email><name>Guest &quot;%d&quot;</name><checked_in>%t</checked_in></attendee>", 1e9+i, i, i, i%2 == 0)
	}
	b.WriteString("\n</order>")
	return []byte(b.String())
}

func BenchmarkValidJSON(b *testing.B) {
	in := benchJSON()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidJSON(in, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSON(b *testing.B) {
	in := benchJSON()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseJSON(in, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseXML(b *testing.B) {
	in := benchXML()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseXML(in, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInferJSON(b *testing.B) {
	in := benchJSON()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := InferJSON(in); err != nil {
			b.Fatal(err)
		}
	}
}
