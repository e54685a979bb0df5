# rolecall-reader: the read-only role the rolecall server assumes (sts:AssumeRole) in this account to
# read IAM roles' trust policies with iam:GetRole, and nothing else. Apply it in every AWS account
# listed in ROLECALL_ACCOUNTS (one provider per account), then set on the server:
#   ROLECALL_READER_ROLE_TEMPLATE=arn:{partition}:iam::{account}:role/rolecall-reader

variable "rolecall_principal_arn" {
  type        = string
  description = "ARN of the AWS identity the rolecall server runs as (an IAM role such as its ECS task role, or an IAM user), e.g. arn:aws:iam::999988887777:role/rolecall-server."
}

variable "external_id" {
  type        = string
  default     = ""
  description = "Optional sts:ExternalId the server must present. Leave empty: rolecall does not send an external id today, and with one set every AssumeRole is refused."
}

variable "role_name" {
  type        = string
  default     = "rolecall-reader"
  description = "Must match ROLECALL_READER_ROLE_TEMPLATE on the server."
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_iam_policy_document" "rolecall_reader_trust" {
  statement {
    sid     = "RolecallServer"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.rolecall_principal_arn]
    }
    dynamic "condition" {
      for_each = var.external_id == "" ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

data "aws_iam_policy_document" "rolecall_reader" {
  statement {
    sid       = "ReadTrustPolicies"
    effect    = "Allow"
    actions   = ["iam:GetRole"]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/*"]
  }
  # Optional, not used by rolecall today: reading the account's OIDC providers.
  # statement {
  #   sid       = "ReadOidcProviders"
  #   effect    = "Allow"
  #   actions   = ["iam:GetOpenIDConnectProvider"]
  #   resources = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/*"]
  # }
}

resource "aws_iam_role" "rolecall_reader" {
  name                 = var.role_name
  description          = "Assumed by the rolecall server to read IAM role trust policies (iam:GetRole only)."
  assume_role_policy   = data.aws_iam_policy_document.rolecall_reader_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "rolecall_reader" {
  name   = "rolecall-read-trust-policies"
  role   = aws_iam_role.rolecall_reader.id
  policy = data.aws_iam_policy_document.rolecall_reader.json
}

output "rolecall_reader_role_arn" {
  description = "The role rolecall assumes in this account."
  value       = aws_iam_role.rolecall_reader.arn
}
