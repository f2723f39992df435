package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
)

// maxBody bounds JSON request bodies.
const maxBody = 1 << 20

// decodeJSON reads the request body into v, strictly: one JSON object of
// known fields, at most maxBody bytes. Errors name the offending field.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		if dec.More() {
			return webrana.Errorf(webrana.EINVALID, "The request body must hold one JSON object.")
		}
		return nil
	case errors.Is(err, io.EOF):
		return webrana.Errorf(webrana.EINVALID, "The request body is empty; send a JSON object.")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return webrana.Errorf(webrana.EINVALID, "The request body is not valid JSON.")
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return webrana.Errorf(webrana.EINVALID, "The request body must be a JSON object.")
	case errors.As(err, &typeErr) && strings.HasPrefix(typeErr.Value, "number") && rangeError(v, typeErr.Field) != nil:
		return rangeError(v, typeErr.Field)
	case errors.As(err, &typeErr):
		return webrana.FieldError(typeErr.Field, "%s must be %s.", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &tooBig):
		return webrana.Errorf(webrana.EINVALID, "The request body is larger than %d bytes.", maxBody)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return webrana.FieldError(field, "Unknown field %q.", field)
	default:
		return webrana.Errorf(webrana.EINVALID, "The request body could not be read.")
	}
}

// rangedRequest is a request body some of whose number fields have a
// range (money): rangeError returns the field's error giving it, or nil.
type rangedRequest interface{ rangeError(field string) error }

// rangeError is the range error of a number field of v that the field's
// Go type cannot hold, or nil when the field has no range.
func rangeError(v any, field string) error {
	if r, ok := v.(rangedRequest); ok {
		return r.rangeError(field)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "bool":
		return "true or false"
	case goKind == "string":
		return "a string"
	case goKind == "slice":
		return "an array"
	default:
		return "an object"
	}
}

// pageParams reads page and per_page from the query.
func pageParams(r *http.Request) (webrana.Page, error) {
	var p webrana.Page
	for _, q := range []struct {
		name string
		dst  *int
	}{{"page", &p.Page}, {"per_page", &p.PerPage}} {
		v := r.URL.Query().Get(q.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, webrana.FieldError(q.name, "%s must be a positive whole number.", q.name)
		}
		*q.dst = n
	}
	return p.Normalize(), nil
}

// listResponse is the shape of every list endpoint (DESIGN.md §9).
type listResponse[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

func newList[T any](items []T, total int, p webrana.Page) listResponse[T] {
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Items: items, Total: total, Page: p.Page, PerPage: p.PerPage}
}

// pageOf cuts one page out of a short list the store returns whole.
func pageOf[T any](all []T, p webrana.Page) listResponse[T] {
	start := min(p.Offset(), len(all))
	end := min(start+p.PerPage, len(all))
	return newList(all[start:end], len(all), p)
}

// principal returns the caller; routes that are not Public always have one.
// actor is the caller as services record their changes: the user and
// the address the request came from.
func actor(r *http.Request) webrana.Actor {
	return webrana.Actor{User: principal(r).User, Source: sourceAddr(r)}
}

func principal(r *http.Request) *auth.Principal {
	p := auth.PrincipalFrom(r.Context())
	if p == nil {
		panic(fmt.Sprintf("web: %s reached without a principal", r.Pattern))
	}
	return p
}

// pageAll is the page that holds a whole short list.
func pageAll(n int) webrana.Page { return webrana.Page{Page: 1, PerPage: max(1, n)} }

func fieldErr(field, msg string) error { return webrana.FieldError(field, "%s", msg) }
