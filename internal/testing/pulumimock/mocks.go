// Package pulumimock is a pulumi.MockResourceMonitor for this project's
// tests: it records what a program registers and invokes, answers with
// realistic AWS ARNs, and answers pulumi-tls's getCertificate with a chain.
package pulumimock

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Account is the AWS account ID in every ARN the mocks return.
const Account = "123456789012"

// GetCertificate is pulumi-tls's getCertificate token.
const GetCertificate = "tls:index/getCertificate:getCertificate"

// pulumi-aws's invokes the component makes.
const (
	GetOpenIDConnectProvider = "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"
	GetCallerIdentity        = "aws:index/getCallerIdentity:getCallerIdentity"
	GetPartition             = "aws:index/getPartition:getPartition"
)

// Fingerprints of RealisticChain.
const (
	RootSHA1         = "0000000000000000000000000000000000000001"
	IntermediateSHA1 = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	LeafSHA1         = "1111111111111111111111111111111111111111"
)

// Cert is one certificate of a getCertificate answer.
type Cert struct {
	Subject, Issuer, SHA1 string
	IsCA                  bool
}

// RealisticChain is oidc.circleci.com's chain as pulumi-tls lists it: the top
// intermediate CA first, the leaf last (the reverse of the served order).
var RealisticChain = []Cert{
	{Subject: "CN=Amazon RSA 2048 M02,O=Amazon,C=US", Issuer: "CN=Amazon Root CA 1,O=Amazon,C=US", SHA1: IntermediateSHA1, IsCA: true},
	{Subject: "CN=oidc.circleci.com", Issuer: "CN=Amazon RSA 2048 M02,O=Amazon,C=US", SHA1: LeafSHA1},
}

// Resource is one registered resource.
type Resource struct {
	Type, Name, Parent string
	Inputs             resource.PropertyMap
}

// Mocks records registrations and invokes. The zero value answers
// getCertificate with RealisticChain.
type Mocks struct {
	// Chain answers getCertificate; nil means RealisticChain.
	Chain []Cert
	// ClientIDs answers getOpenIdConnectProvider by provider ARN. A provider
	// not in it has one client ID, the organization ID its URL ends with.
	ClientIDs map[string][]string
	// Missing lists providers getOpenIdConnectProvider does not find.
	Missing map[string]bool

	mu        sync.Mutex
	resources []Resource
	calls     []pulumi.MockCallArgs
}

var _ pulumi.MockResourceMonitor = (*Mocks)(nil)

// NewResource records the resource and returns its inputs as its state, with
// an ARN and a name where AWS would set them.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := Resource{Type: args.TypeToken, Name: args.Name, Inputs: args.Inputs}
	if args.RegisterRPC != nil {
		r.Parent = args.RegisterRPC.GetParent()
	}
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()

	state := args.Inputs.Copy()
	id := args.Name + "-id"
	// known reports a string input's value; in a preview it may be unknown.
	known := func(key string) (string, bool) {
		v, ok := args.Inputs[resource.PropertyKey(key)]
		if !ok || !v.IsString() {
			return "", false
		}
		return v.StringValue(), true
	}
	switch args.TypeToken {
	case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
		url, ok := known("url")
		if !ok {
			break
		}
		id = "arn:aws:iam::" + Account + ":oidc-provider/" + strings.TrimPrefix(url, "https://")
		state["arn"] = resource.NewProperty(id)
	case "aws:iam/role:Role":
		name := args.Name + "-1a2b3c4"
		if n, ok := known("name"); ok {
			name = n
		} else if prefix, ok := known("namePrefix"); ok {
			name = prefix + "20261128000000000000000001"
		}
		path, ok := known("path")
		if !ok {
			path = "/"
		}
		id = name
		state["name"] = resource.NewProperty(name)
		state["arn"] = resource.NewProperty("arn:aws:iam::" + Account + ":role" + path + name)
	}
	return id, state, nil
}

// Call records the invoke and answers getCertificate.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, args)
	m.mu.Unlock()
	switch args.Token {
	case GetCertificate:
	case GetCallerIdentity:
		return resource.PropertyMap{
			"accountId": resource.NewProperty(Account),
			"arn":       resource.NewProperty("arn:aws:iam::" + Account + ":user/ci"),
			"id":        resource.NewProperty(Account),
			"userId":    resource.NewProperty("AIDAEXAMPLE"),
		}, nil
	case GetPartition:
		return resource.PropertyMap{
			"partition":        resource.NewProperty("aws"),
			"dnsSuffix":        resource.NewProperty("amazonaws.com"),
			"id":               resource.NewProperty("aws"),
			"reverseDnsPrefix": resource.NewProperty("com.amazonaws"),
		}, nil
	case GetOpenIDConnectProvider:
		arn := args.Args["arn"].StringValue()
		if m.Missing[arn] {
			return nil, fmt.Errorf("reading IAM OIDC Provider (%s): NoSuchEntity: OpenIDConnect Provider not found", arn)
		}
		ids, ok := m.ClientIDs[arn]
		if !ok {
			ids = []string{arn[strings.LastIndex(arn, "/")+1:]}
		}
		list := make([]resource.PropertyValue, len(ids))
		for i, id := range ids {
			list[i] = resource.NewProperty(id)
		}
		return resource.PropertyMap{
			"arn":           resource.NewProperty(arn),
			"id":            resource.NewProperty(arn),
			"clientIdLists": resource.NewProperty(list),
			"url":           resource.NewProperty(arn[strings.Index(arn, "/")+1:]),
		}, nil
	default:
		return nil, fmt.Errorf("pulumimock: unexpected invoke %s", args.Token)
	}
	chain := m.Chain
	if chain == nil {
		chain = RealisticChain
	}
	certs := make([]resource.PropertyValue, len(chain))
	for i, c := range chain {
		certs[i] = resource.NewProperty(resource.PropertyMap{
			"subject":            resource.NewProperty(c.Subject),
			"issuer":             resource.NewProperty(c.Issuer),
			"isCa":               resource.NewProperty(c.IsCA),
			"sha1Fingerprint":    resource.NewProperty(c.SHA1),
			"certPem":            resource.NewProperty("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"),
			"maxPathLength":      resource.NewProperty(0.0),
			"notAfter":           resource.NewProperty("2027-06-01T00:00:00Z"),
			"notBefore":          resource.NewProperty("2026-06-01T00:00:00Z"),
			"publicKeyAlgorithm": resource.NewProperty("RSA"),
			"serialNumber":       resource.NewProperty("1"),
			"signatureAlgorithm": resource.NewProperty("SHA256-RSA"),
			"version":            resource.NewProperty(3.0),
		})
	}
	return resource.PropertyMap{
		"certificates": resource.NewProperty(certs),
		"id":           resource.NewProperty("chain-id"),
		"url":          args.Args["url"],
	}, nil
}

// Resources returns the registered resources in registration order.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.resources)
}

// OfType returns the registered resources of one type.
func (m *Mocks) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range m.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Calls returns the invokes made, in order.
func (m *Mocks) Calls() []pulumi.MockCallArgs {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}
