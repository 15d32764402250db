package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// issuerChain is a generated CA hierarchy for the stand-in CircleCI issuer:
// root -> intermediate -> leaf for oidc.circleci.com.
type issuerChain struct {
	root, intermediate, leaf *x509.Certificate
	leafKey                  *ecdsa.PrivateKey
}

func newIssuerChain() (*issuerChain, error) {
	mk := func(tmpl, parent *x509.Certificate, pub, signer any) (*x509.Certificate, error) {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
	key := func() *ecdsa.PrivateKey { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k }
	now := time.Now()
	ca := func(serial int64, cn string) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Stand-in CA"}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
	}
	rootKey, interKey, leafKey := key(), key(), key()
	rootT := ca(1, "Stand-in Root CA")
	root, err := mk(rootT, rootT, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	interT := ca(2, "Stand-in Intermediate CA")
	interT.MaxPathLen, interT.MaxPathLenZero = 0, true
	inter, err := mk(interT, root, &interKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	leafT := &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "oidc.circleci.com"},
		DNSNames: []string{"oidc.circleci.com"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leaf, err := mk(leafT, inter, &leafKey.PublicKey, interKey)
	if err != nil {
		return nil, err
	}
	return &issuerChain{root: root, intermediate: inter, leaf: leaf, leafKey: leafKey}, nil
}

// fingerprint is how pulumi-tls writes sha1Fingerprint: lowercase hex of the DER's SHA-1.
func fingerprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return hex.EncodeToString(sum[:])
}

// serveIssuer starts an HTTPS server on 127.0.0.1 that serves the leaf and
// the intermediate, as CircleCI's issuer host does, with handler's content.
func serveIssuer(chain *issuerChain, handler http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(handler)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{{
		Certificate: [][]byte{chain.leaf.Raw, chain.intermediate.Raw},
		PrivateKey:  chain.leafKey,
		Leaf:        chain.leaf,
	}}}
	s.StartTLS()
	return s
}

// tlsStandin stands in for the pulumi-tls provider: getCertificate does a
// real TLS handshake with the stand-in issuer, whatever host the URL names.
type tlsStandin struct {
	pulumirpc.UnimplementedResourceProviderServer
	addr       string
	roots      *x509.CertPool
	handshakes atomic.Int64
	calls      *callCounter
}

func (p *tlsStandin) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "5.5.1"}, nil
}

func (p *tlsStandin) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	p.calls.add("Configure")
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *tlsStandin) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	p.calls.add("Invoke")
	if req.GetTok() != "tls:index/getCertificate:getCertificate" {
		return nil, fmt.Errorf("tls stand-in: %s is not implemented", req.GetTok())
	}
	args, err := plugin.UnmarshalProperties(req.GetArgs(), plugin.MarshalOptions{KeepUnknowns: true})
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(args["url"].StringValue())
	if err != nil {
		return nil, err
	}
	conn, err := tls.Dial("tcp", p.addr, &tls.Config{ServerName: u.Hostname(), RootCAs: p.roots})
	if err != nil {
		return nil, fmt.Errorf("tls stand-in: handshake with %s: %w", u.Host, err)
	}
	served := conn.ConnectionState().PeerCertificates
	conn.Close()
	p.handshakes.Add(1)

	// pulumi-tls lists the chain in the reverse of the served order.
	var certs []resource.PropertyValue
	ids := make([]string, 0, len(served))
	for i := len(served) - 1; i >= 0; i-- {
		c := served[i]
		maxPath := -1
		if c.IsCA {
			maxPath = c.MaxPathLen
		}
		certs = append(certs, resource.NewProperty(resource.PropertyMap{
			"certPem":            resource.NewProperty(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))),
			"isCa":               resource.NewProperty(c.IsCA),
			"issuer":             resource.NewProperty(c.Issuer.String()),
			"maxPathLength":      resource.NewProperty(float64(maxPath)),
			"notAfter":           resource.NewProperty(c.NotAfter.UTC().Format(time.RFC3339)),
			"notBefore":          resource.NewProperty(c.NotBefore.UTC().Format(time.RFC3339)),
			"publicKeyAlgorithm": resource.NewProperty(c.PublicKeyAlgorithm.String()),
			"serialNumber":       resource.NewProperty(c.SerialNumber.String()),
			"sha1Fingerprint":    resource.NewProperty(fingerprint(c)),
			"signatureAlgorithm": resource.NewProperty(c.SignatureAlgorithm.String()),
			"subject":            resource.NewProperty(c.Subject.String()),
			"version":            resource.NewProperty(float64(c.Version)),
		}))
		ids = append(ids, fingerprint(c))
	}
	ret, err := plugin.MarshalProperties(resource.PropertyMap{
		"certificates": resource.NewProperty(certs),
		"id":           resource.NewProperty(strings.Join(ids, "")),
		"url":          args["url"],
		"verifyChain":  resource.NewProperty(true),
	}, plugin.MarshalOptions{})
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func x509CertPool(chain *issuerChain) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(chain.root)
	return pool
}
