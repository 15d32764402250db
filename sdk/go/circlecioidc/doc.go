// Lets CircleCI jobs assume an AWS IAM role with their OIDC token instead of stored access keys.
package circlecioidc
