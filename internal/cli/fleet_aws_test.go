package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// fakeAWS is a loopback AWS that answers what fleet asks before it reaches
// any account: STS GetCallerIdentity (the query protocol) and the
// Organizations reads (JSON 1.1, X-Amz-Target AWSOrganizationsV20161128.*),
// with the organization the test gives, and counts every request. The
// tests point the SDK at it with AWS_ENDPOINT_URL, as mototest does.
type fakeAWS struct {
	mu    sync.Mutex
	calls []string
	// me is the account of the ambient credentials.
	me string
	// accounts are ListAccounts' answer; parent maps an account or OU ID to
	// its parent's ID ("r-root" at the top); ouNames names each OU.
	accounts []fakeAccount
	parent   map[string]string
	ouNames  map[string]string
}

type fakeAccount struct{ ID, Name, State string }

// startFakeAWS serves f on 127.0.0.1 until the test ends and points the
// AWS SDK at it with dummy credentials.
func startFakeAWS(t *testing.T, f *fakeAWS) *fakeAWS {
	t.Helper()
	if f.me == "" {
		f.me = "100000000000"
	}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	return f
}

// Calls returns the operations asked so far, in order.
func (f *fakeAWS) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	if op == "" {
		_ = r.ParseForm()
		op = "sts." + r.PostForm.Get("Action")
	}
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.mu.Unlock()
	var in struct{ ParentId string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	account := func(a fakeAccount) map[string]any {
		return map[string]any{"Id": a.ID, "Name": a.Name, "State": a.State, "Status": a.State,
			"Arn": "arn:aws:organizations::" + f.me + ":account/o-example/" + a.ID, "Email": "x@example.com"}
	}
	var out any
	switch op {
	case "sts.GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>arn:aws:iam::%[1]s:user/admin</Arn><UserId>AIDAEXAMPLE</UserId><Account>%[1]s</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`, f.me)
		return
	case "AWSOrganizationsV20161128.DescribeOrganization":
		out = map[string]any{"Organization": map[string]any{"Id": "o-example", "MasterAccountId": f.me,
			"Arn": "arn:aws:organizations::" + f.me + ":organization/o-example"}}
	case "AWSOrganizationsV20161128.ListRoots":
		out = map[string]any{"Roots": []any{map[string]any{"Id": "r-root", "Name": "Root"}}}
	case "AWSOrganizationsV20161128.ListAccounts":
		var list []any
		for _, a := range f.accounts {
			list = append(list, account(a))
		}
		out = map[string]any{"Accounts": list}
	case "AWSOrganizationsV20161128.ListAccountsForParent":
		var list []any
		for _, a := range f.accounts {
			if f.parentOf(a.ID) == in.ParentId {
				list = append(list, account(a))
			}
		}
		out = map[string]any{"Accounts": list}
	case "AWSOrganizationsV20161128.ListOrganizationalUnitsForParent":
		var list []any
		for id, name := range f.ouNames {
			if f.parent[id] == in.ParentId {
				list = append(list, map[string]any{"Id": id, "Name": name})
			}
		}
		out = map[string]any{"OrganizationalUnits": list}
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"InvalidAction","message":"the fake AWS does not answer %s"}`, op)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// parentOf is an account's parent, the root when the test gave none.
func (f *fakeAWS) parentOf(id string) string {
	if p, ok := f.parent[id]; ok {
		return p
	}
	return "r-root"
}

// opsOf counts the calls of each operation, for messages.
func opsOf(calls []string) string { return strings.Join(calls, ", ") }
