package cli_test

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/mototest"
)

// TestDoctorReadsALiveRole reads the trust policy of a role in moto, as
// doctor --role-arn does against AWS.
func TestDoctorReadsALiveRole(t *testing.T) {
	mototest.Start(t)
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	out, err := iam.NewFromConfig(cfg).CreateRole(t.Context(), &iam.CreateRoleInput{
		RoleName:                 aws.String("circleci-deploy"),
		Path:                     aws.String("/ci/"),
		AssumeRolePolicyDocument: aws.String(mainOnlyPolicy()),
	})
	require.NoError(t, err)
	arn := aws.ToString(out.Role.Arn)
	createProvider(t, iam.NewFromConfig(cfg), org)

	iss := issuer(t)
	r := run(t, cli.Env{}, "doctor", "--role-arn", arn, "--token", sign(t, iss, onMain))
	assert.Equal(t, cli.ExitUnverified, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Policy (role "+arn+")")
	assert.Contains(t, r.stdout, "Verdict: ALLOWED")

	feature := onMain
	feature.Ref = "refs/heads/feature"
	r = run(t, cli.Env{}, "doctor", "--role-arn", arn, "--token", sign(t, iss, feature))
	assert.Equal(t, cli.ExitRefused, r.code)
	assert.Contains(t, r.stdout, "Verdict: REFUSED")

	r = run(t, cli.Env{}, "doctor", "--role-arn", "arn:aws:iam::123456789012:role/missing", "--token", sign(t, iss, onMain))
	assert.Equal(t, cli.ExitFailed, r.code)
	assert.Contains(t, r.stderr, "reading role missing")
	assert.Contains(t, r.stderr, "NoSuchEntity")
}

// createProvider creates the IAM OIDC provider for the test organization's
// issuer in moto's account, with these client IDs.
func createProvider(t *testing.T, c *iam.Client, clientIDs ...string) string {
	t.Helper()
	out, err := c.CreateOpenIDConnectProvider(t.Context(), &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://oidc.circleci.com/org/" + org), ClientIDList: clientIDs,
		ThumbprintList: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = c.DeleteOpenIDConnectProvider(t.Context(), &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: out.OpenIDConnectProviderArn})
	})
	return aws.ToString(out.OpenIDConnectProviderArn)
}

// TestDoctorChecksTheProvider covers finding D4: STS checks aud against the
// provider's client IDs before it reads the trust policy, so with a policy
// that does not pin aud, any aud was ALLOWED. With --role-arn doctor reads
// the provider of the role's account; without, it says it did not.
func TestDoctorChecksTheProvider(t *testing.T) {
	mototest.Start(t)
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	c := iam.NewFromConfig(cfg)
	noAud := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/` + org + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"oidc.circleci.com/org/` + org + `:sub":"org/` +
		org + `/project/` + project + `/*"}}}]}`
	out, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String("no-aud"), AssumeRolePolicyDocument: aws.String(noAud)})
	require.NoError(t, err)
	arn := aws.ToString(out.Role.Arn)
	iss := issuer(t)
	custom := onMain
	custom.Audience = "sts.amazonaws.com"

	r := run(t, cli.Env{}, "doctor", "--role-arn", arn, "--token", sign(t, iss, custom))
	assert.Equal(t, cli.ExitRefused, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Verdict: REFUSED: account 123456789012 has no IAM OIDC provider for https://oidc.circleci.com/org/"+org)

	createProvider(t, c, org)
	r = run(t, cli.Env{}, "doctor", "--role-arn", arn, "--token", sign(t, iss, custom))
	assert.Equal(t, cli.ExitRefused, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, `Verdict: REFUSED: aud "sts.amazonaws.com" is not one of the provider's client IDs (`+org+`)`)

	r = run(t, cli.Env{}, "doctor", "--role-arn", arn, "--token", sign(t, iss, onMain))
	assert.Equal(t, cli.ExitUnverified, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, `aud "`+org+`" is one of the provider's client IDs`)

	f := filepath.Join(t.TempDir(), "trust.json")
	require.NoError(t, os.WriteFile(f, []byte(noAud), 0o600))
	r = run(t, cli.Env{}, "doctor", "--policy", f, "--token", sign(t, iss, custom))
	assert.Equal(t, cli.ExitUnverified, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "provider     not checked: STS also refuses an aud that is not one of the provider's client IDs; pass --role-arn to check")
}

// TestDoctorDecodesRolePolicyOnlyWhenEncoded covers finding D5: doctor
// --role-arn always URL-decoded the document, so against an endpoint that
// returns it as it is (LocalStack through AWS_ENDPOINT_URL, here a stand-in),
// a literal %2A became * and a Deny meant for nothing refused every token.
// Encoded, as IAM and moto return it, it is decoded once.
func TestDoctorDecodesRolePolicyOnlyWhenEncoded(t *testing.T) {
	doc := strings.Replace(mainOnlyPolicy(), "\n  ]\n}", `,{"Effect":"Deny","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/`+
		org+`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"oidc.circleci.com/org/`+org+`:sub":"*%2A*"}}}]}`, 1)
	for _, encoded := range []bool{false, true} {
		served := doc
		if encoded {
			served = strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			var body bytes.Buffer
			switch r.Form.Get("Action") {
			case "GetRole":
				body.WriteString(`<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><Arn>arn:aws:iam::123456789012:role/r</Arn><AssumeRolePolicyDocument>`)
				_ = xml.EscapeText(&body, []byte(served))
				body.WriteString(`</AssumeRolePolicyDocument></Role></GetRoleResult></GetRoleResponse>`)
			case "GetOpenIDConnectProvider":
				body.WriteString(`<GetOpenIDConnectProviderResponse><GetOpenIDConnectProviderResult><ClientIDList><member>` + org +
					`</member></ClientIDList></GetOpenIDConnectProviderResult></GetOpenIDConnectProviderResponse>`)
			default:
				http.Error(w, "unexpected "+r.Form.Get("Action"), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/xml")
			_, _ = w.Write(body.Bytes())
		}))
		t.Cleanup(srv.Close)
		mototest.Start(t)
		t.Setenv("AWS_ENDPOINT_URL", srv.URL)

		r := run(t, cli.Env{}, "doctor", "--role-arn", "arn:aws:iam::123456789012:role/r", "--token", sign(t, issuer(t), onMain))
		assert.Equal(t, cli.ExitUnverified, r.code, "encoded %t: %s", encoded, r.stdout+r.stderr)
		assert.Contains(t, r.stdout, `"*%2A*"`)
	}
}
