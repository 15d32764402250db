module circleci-oidc-go

go 1.25

require (
	github.com/circleci-oidc/pulumi-circleci-oidc/sdk/go/circlecioidc v0.1.0
	github.com/pulumi/pulumi/sdk/v3 v3.274.1
)

// `pulumi package add` generates the SDK into sdks/circleci-oidc; point at it.
replace github.com/circleci-oidc/pulumi-circleci-oidc/sdk/go/circlecioidc => ./sdks/circleci-oidc/circlecioidc
