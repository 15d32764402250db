package e2e

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

// Issue 21: the orb's scripts, packed as CircleCI runs them, in bash with a
// CircleCI job's environment (CIRCLE_OIDC_TOKEN_V2 from the suite's issuer,
// CIRCLE_NODE_INDEX/TOTAL, a BASH_ENV file), against the loopback GitHub
// serving the release this suite built. Everything the jobs print, their
// log, is then searched for the tokens and every piece of their signatures.
func TestOrbScripts(t *testing.T) {
	requireTools(t)
	rel := requireDist(t)
	gh := serveGitHubReleases(t, rel)
	o := packOrb(t, rel.Version)
	download := gh.URL + "/download"
	host := runtime.GOOS + "-" + runtime.GOARCH
	var logs strings.Builder
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the jobs' log:\n%s", logs.String())
		}
	})
	tls := map[string]string{"CURL_CA_BUNDLE": gh.certFile}
	install := func(j *job, args map[string]string) map[string]int {
		a := map[string]string{"download_url": download, "version": rel.Version}
		for k, v := range args {
			a[k] = v
		}
		codes := j.run(t, o.steps(t, "commands", "install", a)...)
		logs.WriteString(j.log.String())
		return codes
	}
	const installStep = "Install circleci-oidc "

	t.Run("install for this platform, then from the cache", func(t *testing.T) {
		j := newJob(t, tls)
		gh.requests()
		codes := install(j, nil)
		require.Equal(t, 0, codes[installStep+rel.Version], j.log.String())
		assert.Contains(t, j.log.String(), "matches the release's checksums file")
		assert.Contains(t, j.log.String(), "circleci-oidc "+rel.Version+" (commit "+rel.Commit+", "+runtime.GOOS+"/"+runtime.GOARCH+")")
		assert.Equal(t, []string{"GET /download/v" + rel.Version + "/circleci-oidc_" + rel.Version + "_checksums.txt",
			"GET /download/v" + rel.Version + "/" + rel.cliArchive(runtime.GOOS, runtime.GOARCH)}, gh.requests())
		// A later step of the job finds it through $BASH_ENV, as CircleCI's shell reads it.
		codes = j.run(t, shell("use it", "circleci-oidc version"))
		assert.Equal(t, 0, codes["use it"], j.log.String())
		// The same version again is served from the per-version cache: no download.
		codes = install(j, nil)
		require.Equal(t, 0, codes[installStep+rel.Version], j.log.String())
		assert.Contains(t, j.log.String(), "circleci-oidc "+rel.Version+" for "+host+" is cached in")
		assert.Empty(t, gh.requests(), "a cached version downloads nothing")
	})

	// install's save_cache keeps install_dir/<< parameters.version >>, so a version given as v<V> must be
	// installed there, not in install_dir/<V>, or the cache saves nothing and every job downloads again.
	t.Run("a v-prefixed version is installed where save_cache keeps it", func(t *testing.T) {
		j := newJob(t, tls)
		cache := filepath.Join(j.dir, "cache")
		codes := install(j, map[string]string{"version": "v" + rel.Version, "install_dir": cache})
		require.Equal(t, 0, codes[installStep+"v"+rel.Version], j.log.String())
		assert.FileExists(t, filepath.Join(cache, "v"+rel.Version, host, "circleci-oidc"))
	})

	// sha256sum -c reads both of its own formats: "<hash>  <name>" and, from sha256sum -b (the default on
	// Windows), "<hash> *<name>"; a checksums file written on Windows may also end its lines in CRLF.
	// install reads them as sha256sum does, and still refuses a tampered archive listed either way.
	t.Run("reads a checksums file in sha256sum's binary format, with CRLF", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			tamper bool
			code   int
		}{{"as released", false, 0}, {"tampered", true, 1}} {
			t.Run(tc.name, func(t *testing.T) {
				mirror := release{Dir: filepath.Join(t.TempDir(), "dist"), Version: rel.Version, Tag: rel.Tag, Commit: rel.Commit}
				require.NoError(t, os.CopyFS(mirror.Dir, os.DirFS(rel.Dir)))
				sums, err := filepath.Glob(filepath.Join(mirror.Dir, "*_checksums.txt"))
				require.NoError(t, err)
				require.Len(t, sums, 1)
				text := strings.ReplaceAll(mustRead(t, sums[0]), "  ", " *")
				require.NoError(t, os.WriteFile(sums[0], []byte(strings.ReplaceAll(text, "\n", "\r\n")), 0o644))
				if tc.tamper {
					archive := filepath.Join(mirror.Dir, rel.cliArchive(runtime.GOOS, runtime.GOARCH))
					b, err := os.ReadFile(archive)
					require.NoError(t, err)
					b[len(b)/2] ^= 0xff
					require.NoError(t, os.WriteFile(archive, b, 0o644))
				}
				srv := serveGitHubReleases(t, mirror)
				j := newJob(t, map[string]string{"CURL_CA_BUNDLE": srv.certFile})
				codes := j.run(t, o.steps(t, "commands", "install", map[string]string{
					"download_url": srv.URL + "/download", "version": rel.Version, "install_dir": filepath.Join(j.dir, "cache")})...)
				logs.WriteString(j.log.String())
				assert.Equal(t, tc.code, codes[installStep+rel.Version], j.log.String())
				if tc.tamper {
					assert.Contains(t, j.log.String(), "circleci-oidc/install: refusing "+rel.cliArchive(runtime.GOOS, runtime.GOARCH))
				} else {
					assert.Contains(t, j.log.String(), "matches the release's checksums file")
				}
			})
		}
	})

	t.Run("refuses a tampered archive", func(t *testing.T) {
		tampered := release{Dir: filepath.Join(t.TempDir(), "dist"), Version: rel.Version, Tag: rel.Tag, Commit: rel.Commit}
		require.NoError(t, os.CopyFS(tampered.Dir, os.DirFS(rel.Dir)))
		archive := filepath.Join(tampered.Dir, rel.cliArchive(runtime.GOOS, runtime.GOARCH))
		b, err := os.ReadFile(archive)
		require.NoError(t, err)
		b[len(b)/2] ^= 0xff
		require.NoError(t, os.WriteFile(archive, b, 0o644))
		evil := serveGitHubReleases(t, tampered)

		j := newJob(t, map[string]string{"CURL_CA_BUNDLE": evil.certFile})
		cache := filepath.Join(j.dir, "cache")
		codes := j.run(t, o.steps(t, "commands", "install", map[string]string{
			"download_url": evil.URL + "/download", "version": rel.Version, "install_dir": cache})...)
		logs.WriteString(j.log.String())
		assert.Equal(t, 1, codes[installStep+rel.Version], j.log.String())
		assert.Contains(t, j.log.String(), "circleci-oidc/install: refusing "+rel.cliArchive(runtime.GOOS, runtime.GOARCH)+
			": its sha256 is "+sha256File(t, archive)+", but the release's checksums file says "+
			sha256File(t, filepath.Join(rel.Dir, rel.cliArchive(runtime.GOOS, runtime.GOARCH))))
		assert.NoFileExists(t, filepath.Join(cache, rel.Version, host, "circleci-oidc"), "nothing is installed")
		assert.Empty(t, mustRead(t, j.env["BASH_ENV"]), "PATH is left alone")
	})

	t.Run("refuses an unsupported platform", func(t *testing.T) {
		for _, p := range []struct{ kernel, machine string }{{"FreeBSD", "amd64"}, {"Linux", "s390x"}, {"Linux", "armv7l"}} {
			shim := filepath.Join(t.TempDir(), "bin")
			require.NoError(t, os.MkdirAll(shim, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(shim, "uname"), []byte("#!/bin/sh\ncase \"$1\" in -s) echo "+
				p.kernel+" ;; -m) echo "+p.machine+" ;; *) echo "+p.kernel+" ;; esac\n"), 0o755))
			j := newJob(t, tls)
			j.env["PATH"] = shim + string(os.PathListSeparator) + j.env["PATH"]
			gh.requests()
			codes := install(j, nil)
			assert.Equal(t, 1, codes[installStep+rel.Version], j.log.String())
			assert.Contains(t, j.log.String(), "circleci-oidc/install: this executor is "+p.kernel+" "+p.machine+
				"; circleci-oidc ships for linux, darwin and windows on amd64 (x86_64) and arm64 (aarch64)")
			assert.Empty(t, gh.requests(), "nothing is downloaded for %s %s", p.kernel, p.machine)
		}
	})

	t.Run("refuses a download_url that is not https", func(t *testing.T) {
		j := newJob(t, tls)
		codes := install(j, map[string]string{"download_url": "http://" + strings.TrimPrefix(download, "https://")})
		assert.Equal(t, 1, codes[installStep+rel.Version], j.log.String())
		assert.Contains(t, j.log.String(), "is not https://: the checksums file would come over the same unprotected connection")
	})

	// doctor: a deploy job whose assume failed runs the orb's doctor (when: on_fail).
	iss, err := oidctest.NewIssuer()
	require.NoError(t, err)
	t.Cleanup(iss.Close)
	const (
		org     = "11111111-1111-4111-8111-111111111111"
		project = "22222222-2222-4222-8222-222222222222"
		roleARN = "arn:aws:iam::111111111111:role/ci/circleci-deploy-prod"
	)
	policy := trust.Build(trust.Spec{
		ProviderARN: "arn:aws:iam::111111111111:oidc-provider/oidc.circleci.com/org/" + org,
		IssuerURL:   "https://oidc.circleci.com/org/" + org,
		Audiences:   []string{org},
		Scope:       trust.Scope{OrganizationID: org, ProjectIDs: []string{project}, Branches: []string{"main"}},
	}).JSON()
	var tokens []string
	token := func(ref string) string {
		raw, err := iss.Sign(oidctest.Token{Org: org, Project: project, User: "55555555-5555-4555-8555-555555555555",
			Origin: "github.com/acme/api", Ref: ref})
		require.NoError(t, err)
		tokens = append(tokens, raw)
		return raw
	}
	const doctorStep = "Explain whether STS accepts this job's token (circleci-oidc doctor --from-job)"
	assumeFails := shell("aws-cli/setup", "echo 'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity "+
		"operation: Not authorized to perform sts:AssumeRoleWithWebIdentity' >&2; exit 254")
	for _, tc := range []struct {
		name      string
		ref       string
		policy    bool
		assumeOK  bool
		args      map[string]string
		code      int
		want      []string
		notWanted string
	}{
		{"explains a refused branch after a failed assume", "refs/heads/feature", true, false, nil, 3,
			[]string{"vcs-ref      refs/heads/feature", "signature    verified against the issuer's keys",
				"Policy ($AWS_ROLE_TRUST_POLICY, published for $AWS_ROLE_ARN " + roleARN + ")",
				"FAIL  StringLike oidc.circleci.com/org/" + org + ":sub", "Verdict: REFUSED",
				"circleci-oidc/doctor: STS refuses this job's token for " + roleARN + ": see the FAIL lines above"}, ""},
		{"does not run when nothing failed", "refs/heads/main", true, true, nil, -1, nil, "Verdict:"},
		{"accepts an allowed branch (when: always)", "refs/heads/main", true, true, map[string]string{"when": "always"}, 0,
			[]string{"vcs-ref      refs/heads/main", "Verdict: ALLOWED: ", "circleci-oidc/doctor: STS accepts this job's token"}, ""},
		{"allowed, signature not checked (verify: false)", "refs/heads/main", true, true,
			map[string]string{"when": "always", "verify": "false"}, 5, []string{"Verdict: ALLOWED, SIGNATURE NOT CHECKED"}, ""},
		{"names the publish flag when the policy is missing", "refs/heads/feature", false, false, nil, 1,
			[]string{"AWS_ROLE_TRUST_POLICY is not set", "run circleci-oidc publish with --trust-policy"}, "Verdict:"},
	} {
		t.Run("doctor "+tc.name, func(t *testing.T) {
			vars := map[string]string{"CIRCLE_OIDC_TOKEN_V2": token(tc.ref), "AWS_ROLE_ARN": roleARN,
				"AWS_REGION": "eu-west-1", "CIRCLE_ORGANIZATION_ID": org, "CURL_CA_BUNDLE": gh.certFile}
			if tc.policy {
				vars["AWS_ROLE_TRUST_POLICY"] = policy
			}
			j := newJob(t, vars)
			args := map[string]string{"download_url": download, "version": rel.Version, "issuer_url": iss.URL}
			for k, v := range tc.args {
				args[k] = v
			}
			steps := []orbStep{assumeFails}
			if tc.assumeOK {
				steps[0] = shell("aws-cli/setup", "echo 'assumed the role'")
			}
			steps = append(steps, o.steps(t, "commands", "doctor", args)...)
			codes := j.run(t, steps...)
			logs.WriteString(j.log.String())
			got, ran := codes[doctorStep]
			if tc.code < 0 {
				assert.False(t, ran, "doctor ran:\n%s", j.log.String())
			} else {
				assert.Equal(t, tc.code, got, j.log.String())
			}
			for _, w := range tc.want {
				assert.Contains(t, j.log.String(), w)
			}
			if tc.notWanted != "" {
				assert.NotContains(t, j.log.String(), tc.notWanted)
			}
		})
	}

	t.Run("fleet-up shards and fleet-report merges", func(t *testing.T) {
		report := mustRead(t, filepath.Join(repoRoot(), "internal", "fleet", "testdata", "report.json"))
		// fleet up itself runs through Pulumi in TestFleet*; here a stand-in records how the job calls it.
		stub := filepath.Join(t.TempDir(), "bin")
		require.NoError(t, os.MkdirAll(stub, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(stub, "circleci-oidc"), []byte("#!/bin/sh\n"+
			"if [ \"$1 $2\" = 'fleet up' ]; then echo \"$*\" >> \"$STUB_CALLS\"; cat \"$STUB_REPORT\"; exit \"$STUB_CODE\"; fi\n"+
			"exec \"$REAL_CLI\" \"$@\"\n"), 0o755))
		for _, tc := range []struct {
			name      string
			code      string
			wantShard int
		}{{"a shard with failed accounts persists its report", "1", 0}, {"a shard that could not run fails", "3", 3}} {
			t.Run(tc.name, func(t *testing.T) {
				j := newJob(t, map[string]string{"CURL_CA_BUNDLE": gh.certFile, "CIRCLE_NODE_INDEX": "2", "CIRCLE_NODE_TOTAL": "4",
					"STUB_CALLS": filepath.Join(t.TempDir(), "calls"), "STUB_REPORT": filepath.Join(repoRoot(), "internal", "fleet", "testdata", "report.json"),
					"STUB_CODE": tc.code})
				steps := o.steps(t, "jobs", "fleet-up", map[string]string{"download_url": download, "version": rel.Version,
					"args": "--org --concurrency 2"})
				codes := j.run(t, steps[0])
				require.Equal(t, 0, codes[steps[0].Name], j.log.String())
				real := strings.TrimSpace(run(t, j.dir, nil, "bash", "-c", ". \"$0\"; command -v circleci-oidc", j.env["BASH_ENV"]))
				j.env["REAL_CLI"] = real
				j.env["PATH"] = stub + string(os.PathListSeparator) + j.env["PATH"]
				require.NoError(t, os.WriteFile(j.env["BASH_ENV"], []byte(strings.ReplaceAll(mustRead(t, j.env["BASH_ENV"]),
					"export PATH=", "export PATH="+stub+":")), 0o644))
				codes = j.run(t, steps[1:]...)
				logs.WriteString(j.log.String())
				shardStep := "circleci-oidc fleet up, shard $CIRCLE_NODE_INDEX of $CIRCLE_NODE_TOTAL"
				assert.Equal(t, tc.wantShard, codes[shardStep], j.log.String())
				assert.Equal(t, "fleet up --org --concurrency 2 --shard 2/4 --json\n", mustRead(t, j.env["STUB_CALLS"]))
				persisted := filepath.Join(j.env["CIRCLE_WORKING_DIRECTORY"], "fleet-reports", "report-2.json")
				if tc.wantShard != 0 {
					assert.NoFileExists(t, persisted, "a shard that could not run leaves no report")
					return
				}
				assert.Equal(t, report, mustRead(t, persisted))

				// fleet-report, in a job that attached the workspace.
				r := newJob(t, map[string]string{"CURL_CA_BUNDLE": gh.certFile})
				dir := filepath.Join(r.env["CIRCLE_WORKING_DIRECTORY"], "fleet-reports")
				require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Dir(persisted))))
				codes = r.run(t, o.steps(t, "jobs", "fleet-report", map[string]string{"download_url": download, "version": rel.Version})...)
				logs.WriteString(r.log.String())
				assert.Equal(t, 0, codes["circleci-oidc fleet report merge"], r.log.String())
				assert.Contains(t, r.log.String(), "merged 1 shard reports into fleet-reports/report.json")
				assert.FileExists(t, filepath.Join(dir, "report.json"))
				verdict, ran := codes["The fleet's verdict"]
				assert.True(t, ran)
				assert.Equal(t, strings.TrimSpace(mustRead(t, filepath.Join(dir, "exit-code"))), strconv.Itoa(verdict), r.log.String())
			})
		}
	})

	// The jobs' log holds no token, no signed part of one, and no piece of any signature.
	require.NotEmpty(t, tokens)
	for _, tok := range tokens {
		assert.Empty(t, oidctest.Leaks(logs.String(), tok), "the jobs' log holds token material")
	}
	t.Logf("searched %d bytes of job log for %d tokens' material: none found", logs.Len(), len(tokens))
}
