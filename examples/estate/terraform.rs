//! The Terraform side of the estate: one root module per state under
//! `terraform/<env>/<team>/<stack>/` (an S3 backend whose key names the state, a local
//! `network` module, instances, a security group, a bucket, a role, DNS records and a deploy
//! trigger), the few literals commits change ("knobs"), and the raw v4 state files that
//! `terraform apply` would have left, with `git_commit` tags naming the commit applied.

use crate::rng::Rng;
use serde_json::{json, Map, Value};

pub const ENVS: [&str; 5] = ["prod", "staging", "dev", "qa", "perf"];
pub const TEAMS: [&str; 10] = [
    "payments", "search", "identity", "checkout", "catalog", "data", "platform", "mobile", "ads",
    "risk",
];
const STACKS: [&str; 20] = [
    "api", "web", "worker", "db", "cache", "queue", "batch", "etl", "gateway", "auth", "search",
    "notify", "billing", "reports", "media", "edge", "cron", "admin", "events", "ledger",
];
const INSTANCE_TYPES: [&str; 9] = [
    "t3.small",
    "t3.medium",
    "t3.large",
    "t3.xlarge",
    "m5.large",
    "m5.xlarge",
    "c5.large",
    "c5.xlarge",
    "r5.large",
];
const VOLUME_SIZES: [u64; 8] = [20, 30, 40, 50, 80, 100, 120, 200];
const TTLS: [u64; 4] = [60, 120, 300, 600];
/// An instance type no commit ever sets: what someone picked in the console.
pub const BY_HAND_TYPE: &str = "m5.8xlarge";
const AMI: &str = "ami-0c1bc246476a5572b";
const ZONE: &str = "Z06198541TTU4K3MKYG2F";
const ACCOUNT: &str = "123456789012";

/// A root module: which environment, team and stack it is.
pub struct Root {
    pub index: usize,
    pub env: &'static str,
    pub team: &'static str,
    pub stack: String,
}

pub fn root(index: usize) -> Root {
    let k = index / (ENVS.len() * TEAMS.len());
    Root {
        index,
        env: ENVS[index % ENVS.len()],
        team: TEAMS[index / ENVS.len() % TEAMS.len()],
        stack: STACKS
            .get(k)
            .map_or_else(|| format!("svc{k}"), |s| s.to_string()),
    }
}

impl Root {
    pub fn dir(&self) -> String {
        format!("terraform/{}/{}/{}", self.env, self.team, self.stack)
    }

    /// `prod-payments-api`
    pub fn name(&self) -> String {
        format!("{}-{}-{}", self.env, self.team, self.stack)
    }

    /// The backend key, which is also where the estate writes the state under `states/`.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/terraform.tfstate",
            self.env, self.team, self.stack
        )
    }

    fn cidr(&self) -> String {
        format!(
            "10.{}.{}.0/24",
            128 + self.index / 256 % 128,
            self.index % 256
        )
    }
}

/// How the instances of a state are split: `app` instances and DNS records besides the ten
/// singletons (the AMI, the VPC, three subnets, a route table, a security group, a bucket, a
/// role and the deploy trigger).
#[derive(Clone, Copy)]
pub struct Shape {
    pub app: usize,
    pub dns: usize,
}

impl Shape {
    pub fn for_instances(per_state: usize) -> Shape {
        let rest = per_state.saturating_sub(10);
        let app = rest.div_ceil(2).max(1);
        Shape {
            app,
            dns: rest.saturating_sub(app),
        }
    }

    pub fn instances(&self) -> usize {
        10 + self.app + self.dns
    }

    /// Instances tagged with `git_commit`: the app instances, the VPC, the three subnets, the
    /// route table, the security group, the bucket and the role (the deploy trigger's `git_sha`
    /// is the ninth claim, always the applied commit).
    pub fn slots(&self) -> usize {
        self.app + 8
    }
}

/// The literals of a root module that commits change.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Knobs {
    instance_type: u8,
    volume_size: u8,
    monitoring: bool,
    ttl: u8,
}

impl Knobs {
    pub fn initial(rng: &mut Rng) -> Knobs {
        Knobs {
            instance_type: rng.below(INSTANCE_TYPES.len()) as u8,
            volume_size: rng.below(VOLUME_SIZES.len()) as u8,
            monitoring: rng.chance(0.5),
            ttl: rng.below(TTLS.len()) as u8,
        }
    }

    /// Changes one literal; returns what changed, for the commit message.
    pub fn edit(&mut self, rng: &mut Rng) -> String {
        fn other(rng: &mut Rng, current: u8, n: usize) -> u8 {
            ((current as usize + 1 + rng.below(n - 1)) % n) as u8
        }
        match rng.below(10) {
            0..=4 => {
                let old = self.instance_type;
                self.instance_type = other(rng, old, INSTANCE_TYPES.len());
                format!(
                    "instance_type {} -> {}",
                    INSTANCE_TYPES[old as usize], INSTANCE_TYPES[self.instance_type as usize]
                )
            }
            5..=7 => {
                let old = self.volume_size;
                self.volume_size = other(rng, old, VOLUME_SIZES.len());
                format!(
                    "root volume {} GiB -> {} GiB",
                    VOLUME_SIZES[old as usize], VOLUME_SIZES[self.volume_size as usize]
                )
            }
            8 => {
                self.monitoring = !self.monitoring;
                format!("detailed monitoring {}", on_off(self.monitoring))
            }
            _ => {
                let old = self.ttl;
                self.ttl = other(rng, old, TTLS.len());
                format!(
                    "DNS TTL {} -> {}",
                    TTLS[old as usize], TTLS[self.ttl as usize]
                )
            }
        }
    }

    pub fn instance_type(&self) -> &'static str {
        INSTANCE_TYPES[self.instance_type as usize]
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration as committed

pub fn main_tf(root: &Root, knobs: &Knobs, shape: Shape) -> String {
    let name = root.name();
    let mut s = format!(
        r#"# {team}/{stack} in {env}. Owned by team {team}; applied by CI on merge to main.

data "aws_ami" "base" {{
  most_recent = true
  owners      = ["099720109477"]

  filter {{
    name   = "name"
    values = ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]
  }}
}}

locals {{
  tags = {{
    team        = "{team}"
    environment = var.environment
    git_commit  = var.git_commit
  }}
}}

module "network" {{
  source     = "../../../modules/network"
  name       = "{name}"
  cidr_block = "{cidr}"
  subnets    = 3
  tags       = local.tags
}}

resource "aws_security_group" "app" {{
  name        = "{name}-app"
  description = "Instances of {team}/{stack}"
  vpc_id      = module.network.vpc_id
  tags        = merge(local.tags, {{ Name = "{name}-app" }})
}}

resource "aws_instance" "app" {{
  count                  = {app}
  ami                    = data.aws_ami.base.id
  instance_type          = "{instance_type}"
  subnet_id              = module.network.subnet_ids[count.index % 3]
  vpc_security_group_ids = [aws_security_group.app.id]
  key_name               = "deploy"
  monitoring             = {monitoring}

  root_block_device {{
    volume_size = {volume_size}
    volume_type = "gp3"
    encrypted   = true
  }}

  metadata_options {{
    http_tokens = "required"
  }}

  tags = merge(local.tags, {{ Name = var.instance_names[count.index] }})
}}

resource "aws_s3_bucket" "data" {{
  bucket = "acme-{name}-data"
  tags   = local.tags
}}

resource "aws_iam_role" "app" {{
  name = "{name}-app"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Action = "sts:AssumeRole", Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }} }}]
  }})
  tags = local.tags
}}
"#,
        team = root.team,
        stack = root.stack,
        env = root.env,
        cidr = root.cidr(),
        app = shape.app,
        instance_type = knobs.instance_type(),
        monitoring = knobs.monitoring,
        volume_size = VOLUME_SIZES[knobs.volume_size as usize],
    );
    if shape.dns > 0 {
        s.push_str(&format!(
            r#"
resource "aws_route53_record" "app" {{
  count   = {dns}
  zone_id = "{ZONE}"
  name    = "app-${{count.index}}.{stack}.{team}.{env}.example.com"
  type    = "A"
  ttl     = {ttl}
  records = [aws_instance.app[count.index % {app}].private_ip]
}}
"#,
            dns = shape.dns,
            stack = root.stack,
            team = root.team,
            env = root.env,
            ttl = TTLS[knobs.ttl as usize],
            app = shape.app,
        ));
    }
    s.push_str(
        r#"
resource "null_resource" "deploy" {
  triggers = {
    git_sha = var.git_commit
  }
}
"#,
    );
    s
}

pub fn variables_tf(root: &Root) -> String {
    format!(
        r#"variable "environment" {{
  type    = string
  default = "{}"
}}

variable "git_commit" {{
  description = "The commit being applied: CI passes -var git_commit=$CI_COMMIT_SHA."
  type        = string
}}

variable "instance_names" {{
  description = "Host names of the app instances, as the inventory knows them."
  type        = list(string)
  default     = []
}}
"#,
        root.env
    )
}

pub fn backend_tf(root: &Root) -> String {
    format!(
        r#"terraform {{
  required_version = ">= 1.6"

  backend "s3" {{
    bucket         = "acme-terraform-state"
    key            = "{}"
    region         = "eu-west-1"
    dynamodb_table = "terraform-locks"
    encrypt        = true
  }}

  required_providers {{
    aws  = {{ source = "hashicorp/aws", version = "~> 5.60" }}
    null = {{ source = "hashicorp/null", version = "~> 3.2" }}
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}
"#,
        root.key()
    )
}

pub fn outputs_tf() -> &'static str {
    r#"output "app_private_ips" {
  value = aws_instance.app[*].private_ip
}

output "bucket" {
  value = aws_s3_bucket.data.bucket
}
"#
}

/// The shared `network` module; `revision` changes with the rare commits that touch it.
pub fn network_module_tf(revision: u32) -> String {
    format!(
        r#"# Shared network module (revision {revision}).

variable "name" {{
  type = string
}}

variable "cidr_block" {{
  type = string
}}

variable "subnets" {{
  type    = number
  default = 3
}}

variable "tags" {{
  type    = map(string)
  default = {{}}
}}

resource "aws_vpc" "this" {{
  cidr_block           = var.cidr_block
  enable_dns_hostnames = true
  enable_dns_support   = true
  tags                 = merge(var.tags, {{ Name = var.name }})
}}

resource "aws_subnet" "this" {{
  count             = var.subnets
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr_block, 2, count.index)
  availability_zone = element(["eu-west-1a", "eu-west-1b", "eu-west-1c"], count.index)
  tags              = merge(var.tags, {{ Name = "${{var.name}}-${{count.index}}" }})
}}

resource "aws_route_table" "this" {{
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, {{ Name = var.name }})
}}

output "vpc_id" {{
  value = aws_vpc.this.id
}}

output "subnet_ids" {{
  value = aws_subnet.this[*].id
}}
"#
    )
}

// ---------------------------------------------------------------------------------------------
// States

/// What one instance of a state claims, decided by the caller.
pub struct InstanceClaims {
    /// The commit every tagged instance of the state was applied from.
    pub applied: String,
    /// Per claim slot (`Shape::slots()` of them: the app instances, then the VPC, the three
    /// subnets, the route table, the security group, the bucket and the role): a commit other
    /// than `applied`, when the instance was tagged by hand or applied from elsewhere.
    pub overrides: Vec<Option<String>>,
    /// App instances whose type was changed by hand in the console.
    pub by_hand: Vec<bool>,
}

/// The identity of global app instance `j`: instance id, private IP.
pub fn instance_id(seed: u64, j: usize) -> String {
    let mut rng = Rng::item(seed, "instance", j as u64);
    format!("i-0{}", rng.hex(8).get(..16).unwrap_or_default())
}

/// The private address of app instance (and inventory host) `j`.
pub fn private_ip(j: usize) -> String {
    let a = j / 254;
    format!("10.{}.{}.{}", 64 + a / 256 % 64, a % 256, j % 254 + 1)
}

/// A short host name for global app instance `j` (the inventory's name without its domain);
/// `None` when no inventory host is that instance.
pub type HostName<'a> = &'a dyn Fn(usize) -> Option<String>;

/// The raw state (`version` 4, as Terraform 1.9 writes it) of root `root`, applied with
/// `knobs`, its app instances numbered from `first_app` among all states.
#[allow(clippy::too_many_arguments)]
pub fn state(
    seed: u64,
    root: &Root,
    knobs: &Knobs,
    shape: Shape,
    first_app: usize,
    claims: &InstanceClaims,
    host_name: HostName<'_>,
) -> String {
    let mut rng = Rng::item(seed, "state", root.index as u64);
    let name = root.name();
    let region = "eu-west-1";
    let azs = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
    let commit_of = |slot: usize| -> &str {
        claims
            .overrides
            .get(slot)
            .and_then(|o| o.as_deref())
            .unwrap_or(&claims.applied)
    };
    let tags = |slot: usize, extra: &[(&str, String)]| -> Value {
        let mut m = Map::new();
        m.insert("environment".into(), json!(root.env));
        m.insert("git_commit".into(), json!(commit_of(slot)));
        m.insert("team".into(), json!(root.team));
        for (k, v) in extra {
            m.insert((*k).into(), json!(v));
        }
        sorted(Value::Object(m))
    };
    let slot_vpc = shape.app;
    let vpc_id = format!("vpc-0{}", &rng.hex(9)[..16]);
    let subnet_ids: Vec<String> = (0..3)
        .map(|_| format!("subnet-0{}", &rng.hex(9)[..16]))
        .collect();
    let sg_id = format!("sg-0{}", &rng.hex(9)[..16]);
    let rtb_id = format!("rtb-0{}", &rng.hex(9)[..16]);
    let cidr = root.cidr();
    let base = cidr.trim_end_matches(".0/24").to_string();

    let mut resources = Vec::new();
    // data.aws_ami.base
    resources.push(resource(
        None,
        "data",
        "aws_ami",
        "base",
        "aws",
        vec![instance(
            None,
            0,
            ami_attributes(),
            Value::Array(vec![]),
            None,
        )],
    ));
    // module.network
    let vpc_tags = tags(slot_vpc, &[("Name", name.clone())]);
    resources.push(resource(
        Some("module.network"),
        "managed",
        "aws_vpc",
        "this",
        "aws",
        vec![instance(
            None,
            1,
            sorted(json!({
                "arn": format!("arn:aws:ec2:{region}:{ACCOUNT}:vpc/{vpc_id}"),
                "assign_generated_ipv6_cidr_block": false,
                "cidr_block": cidr,
                "default_network_acl_id": format!("acl-0{}", &rng.hex(9)[..16]),
                "default_route_table_id": format!("rtb-0{}", &rng.hex(9)[..16]),
                "default_security_group_id": format!("sg-0{}", &rng.hex(9)[..16]),
                "dhcp_options_id": "dopt-0a1b2c3d4e5f60718",
                "enable_dns_hostnames": true,
                "enable_dns_support": true,
                "enable_network_address_usage_metrics": false,
                "id": vpc_id,
                "instance_tenancy": "default",
                "ipv4_ipam_pool_id": null,
                "ipv4_netmask_length": null,
                "ipv6_association_id": "",
                "ipv6_cidr_block": "",
                "ipv6_cidr_block_network_border_group": "",
                "ipv6_ipam_pool_id": "",
                "ipv6_netmask_length": 0,
                "main_route_table_id": rtb_id,
                "owner_id": ACCOUNT,
                "tags": vpc_tags,
                "tags_all": vpc_tags,
            })),
            Value::Array(vec![]),
            None,
        )],
    ));
    let subnets: Vec<Value> = (0..3)
        .map(|i| {
            let t = tags(slot_vpc + 1 + i, &[("Name", format!("{name}-{i}"))]);
            instance(
                Some(json!(i)),
                1,
                sorted(json!({
                    "arn": format!("arn:aws:ec2:{region}:{ACCOUNT}:subnet/{}", subnet_ids[i]),
                    "assign_ipv6_address_on_creation": false,
                    "availability_zone": azs[i],
                    "availability_zone_id": format!("euw1-az{}", i + 1),
                    "cidr_block": format!("{base}.{}/26", i * 64),
                    "customer_owned_ipv4_pool": "",
                    "enable_dns64": false,
                    "enable_lni_at_device_index": 0,
                    "enable_resource_name_dns_a_record_on_launch": false,
                    "enable_resource_name_dns_aaaa_record_on_launch": false,
                    "id": subnet_ids[i],
                    "ipv6_cidr_block": "",
                    "ipv6_cidr_block_association_id": "",
                    "ipv6_native": false,
                    "map_customer_owned_ip_on_launch": false,
                    "map_public_ip_on_launch": false,
                    "outpost_arn": "",
                    "owner_id": ACCOUNT,
                    "private_dns_hostname_type_on_launch": "ip-name",
                    "tags": t,
                    "tags_all": t,
                    "timeouts": null,
                    "vpc_id": vpc_id,
                })),
                Value::Array(vec![]),
                Some(vec!["module.network.aws_vpc.this"]),
            )
        })
        .collect();
    resources.push(resource(
        Some("module.network"),
        "managed",
        "aws_subnet",
        "this",
        "aws",
        subnets,
    ));
    let rt_tags = tags(slot_vpc + 4, &[("Name", name.clone())]);
    resources.push(resource(
        Some("module.network"),
        "managed",
        "aws_route_table",
        "this",
        "aws",
        vec![instance(
            None,
            0,
            sorted(json!({
                "arn": format!("arn:aws:ec2:{region}:{ACCOUNT}:route-table/{rtb_id}"),
                "id": rtb_id,
                "owner_id": ACCOUNT,
                "propagating_vgws": [],
                "route": [],
                "tags": rt_tags,
                "tags_all": rt_tags,
                "timeouts": null,
                "vpc_id": vpc_id,
            })),
            Value::Array(vec![]),
            Some(vec!["module.network.aws_vpc.this"]),
        )],
    ));
    // aws_instance.app
    let apps: Vec<Value> = (0..shape.app)
        .map(|i| {
            let j = first_app + i;
            let ip = private_ip(j);
            let short = host_name(j).unwrap_or_else(|| format!("{name}-app-{i}"));
            let t = tags(i, &[("Name", short)]);
            let mut rng = Rng::item(seed, "instance-attributes", j as u64);
            let instance_type = if claims.by_hand.get(i).copied().unwrap_or(false) {
                BY_HAND_TYPE
            } else {
                knobs.instance_type()
            };
            instance(
                Some(json!(i)),
                1,
                app_attributes(
                    &mut rng,
                    &instance_id(seed, j),
                    &ip,
                    instance_type,
                    knobs,
                    azs[i % 3],
                    &subnet_ids[i % 3],
                    &sg_id,
                    t,
                ),
                Value::Array(vec![]),
                Some(vec![
                    "aws_security_group.app",
                    "data.aws_ami.base",
                    "module.network.aws_subnet.this",
                    "module.network.aws_vpc.this",
                ]),
            )
        })
        .collect();
    let app_ips: Vec<String> = (0..shape.app).map(|i| private_ip(first_app + i)).collect();
    let sg_tags = tags(slot_vpc + 5, &[("Name", format!("{name}-app"))]);
    let bucket = format!("acme-{name}-data");
    let bucket_tags = tags(slot_vpc + 6, &[]);
    let role_tags = tags(slot_vpc + 7, &[]);
    resources.push(resource(
        None,
        "managed",
        "aws_iam_role",
        "app",
        "aws",
        vec![instance(
            None,
            0,
            sorted(json!({
                "arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}-app"),
                "assume_role_policy": "{\"Statement\":[{\"Action\":\"sts:AssumeRole\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}],\"Version\":\"2012-10-17\"}",
                "create_date": "2023-03-14T09:26:53Z",
                "description": "",
                "force_detach_policies": false,
                "id": format!("{name}-app"),
                "inline_policy": [],
                "managed_policy_arns": [],
                "max_session_duration": 3600,
                "name": format!("{name}-app"),
                "name_prefix": "",
                "path": "/",
                "permissions_boundary": "",
                "tags": role_tags,
                "tags_all": role_tags,
                "unique_id": format!("AROA{}", rng.hex(8).to_uppercase()),
            })),
            Value::Array(vec![]),
            None,
        )],
    ));
    resources.push(resource(
        None,
        "managed",
        "aws_instance",
        "app",
        "aws",
        apps,
    ));
    if shape.dns > 0 {
        let ttl = TTLS[knobs.ttl as usize];
        let records: Vec<Value> = (0..shape.dns)
            .map(|i| {
                let fqdn = format!(
                    "app-{i}.{}.{}.{}.example.com",
                    root.stack, root.team, root.env
                );
                instance(
                    Some(json!(i)),
                    2,
                    sorted(json!({
                        "alias": [],
                        "allow_overwrite": null,
                        "cidr_routing_policy": [],
                        "failover_routing_policy": [],
                        "fqdn": fqdn,
                        "geolocation_routing_policy": [],
                        "geoproximity_routing_policy": [],
                        "health_check_id": "",
                        "id": format!("{ZONE}_{fqdn}_A"),
                        "latency_routing_policy": [],
                        "multivalue_answer_routing_policy": false,
                        "name": fqdn,
                        "records": [app_ips[i % shape.app]],
                        "set_identifier": "",
                        "timeouts": null,
                        "ttl": ttl,
                        "type": "A",
                        "weighted_routing_policy": [],
                        "zone_id": ZONE,
                    })),
                    Value::Array(vec![]),
                    Some(vec!["aws_instance.app"]),
                )
            })
            .collect();
        resources.push(resource(
            None,
            "managed",
            "aws_route53_record",
            "app",
            "aws",
            records,
        ));
    }
    resources.push(resource(
        None,
        "managed",
        "aws_s3_bucket",
        "data",
        "aws",
        vec![instance(
            None,
            0,
            sorted(json!({
                "acceleration_status": "",
                "acl": null,
                "arn": format!("arn:aws:s3:::{bucket}"),
                "bucket": bucket,
                "bucket_domain_name": format!("{bucket}.s3.amazonaws.com"),
                "bucket_prefix": "",
                "bucket_regional_domain_name": format!("{bucket}.s3.{region}.amazonaws.com"),
                "cors_rule": [],
                "force_destroy": false,
                "grant": [{"id": rng.hex(32), "permissions": ["FULL_CONTROL"], "type": "CanonicalUser", "uri": ""}],
                "hosted_zone_id": "Z1BKCTXD74EZPE",
                "id": bucket,
                "lifecycle_rule": [],
                "logging": [],
                "object_lock_configuration": [],
                "object_lock_enabled": false,
                "policy": "",
                "region": region,
                "replication_configuration": [],
                "request_payer": "BucketOwner",
                "server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": "", "sse_algorithm": "AES256"}], "bucket_key_enabled": false}]}],
                "tags": bucket_tags,
                "tags_all": bucket_tags,
                "timeouts": null,
                "versioning": [{"enabled": false, "mfa_delete": false}],
                "website": [],
                "website_domain": null,
                "website_endpoint": null,
            })),
            Value::Array(vec![]),
            None,
        )],
    ));
    resources.push(resource(
        None,
        "managed",
        "aws_security_group",
        "app",
        "aws",
        vec![instance(
            None,
            1,
            sorted(json!({
                "arn": format!("arn:aws:ec2:{region}:{ACCOUNT}:security-group/{sg_id}"),
                "description": format!("Instances of {}/{}", root.team, root.stack),
                "egress": [],
                "id": sg_id,
                "ingress": [],
                "name": format!("{name}-app"),
                "name_prefix": "",
                "owner_id": ACCOUNT,
                "revoke_rules_on_delete": false,
                "tags": sg_tags,
                "tags_all": sg_tags,
                "timeouts": null,
                "vpc_id": vpc_id,
            })),
            Value::Array(vec![]),
            Some(vec!["module.network.aws_vpc.this"]),
        )],
    ));
    resources.push(resource(
        None,
        "managed",
        "null_resource",
        "deploy",
        "null",
        vec![instance(
            None,
            0,
            json!({
                "id": format!("{}", rng.next() >> 1),
                "triggers": {"git_sha": claims.applied},
            }),
            Value::Array(vec![]),
            None,
        )],
    ));
    let mut top = Map::new();
    top.insert("version".into(), json!(4));
    top.insert("terraform_version".into(), json!("1.9.8"));
    top.insert("serial".into(), json!(1 + rng.below(400)));
    top.insert("lineage".into(), json!(rng.uuid()));
    top.insert(
        "outputs".into(),
        json!({
            "app_private_ips": {"value": app_ips, "type": ["list", "string"]},
            "bucket": {"value": bucket, "type": "string"},
        }),
    );
    top.insert("resources".into(), Value::Array(resources));
    top.insert("check_results".into(), Value::Null);
    let mut text = serde_json::to_string_pretty(&Value::Object(top)).expect("state JSON");
    text.push('\n');
    text
}

#[allow(clippy::too_many_arguments)]
fn app_attributes(
    rng: &mut Rng,
    id: &str,
    ip: &str,
    instance_type: &str,
    knobs: &Knobs,
    az: &str,
    subnet: &str,
    sg: &str,
    tags: Value,
) -> Value {
    let dns = format!("ip-{}.eu-west-1.compute.internal", ip.replace('.', "-"));
    sorted(json!({
        "ami": AMI,
        "arn": format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/{id}"),
        "associate_public_ip_address": false,
        "availability_zone": az,
        "capacity_reservation_specification": [{"capacity_reservation_preference": "open", "capacity_reservation_target": []}],
        "cpu_core_count": 1,
        "cpu_options": [{"amd_sev_snp": "", "core_count": 1, "threads_per_core": 2}],
        "cpu_threads_per_core": 2,
        "credit_specification": [{"cpu_credits": "unlimited"}],
        "disable_api_stop": false,
        "disable_api_termination": false,
        "ebs_block_device": [],
        "ebs_optimized": false,
        "enable_primary_ipv6": null,
        "enclave_options": [{"enabled": false}],
        "ephemeral_block_device": [],
        "get_password_data": false,
        "hibernation": false,
        "host_id": "",
        "host_resource_group_arn": null,
        "iam_instance_profile": "",
        "id": id,
        "instance_initiated_shutdown_behavior": "stop",
        "instance_lifecycle": "",
        "instance_market_options": [],
        "instance_state": "running",
        "instance_type": instance_type,
        "ipv6_address_count": 0,
        "ipv6_addresses": [],
        "key_name": "deploy",
        "launch_template": [],
        "maintenance_options": [{"auto_recovery": "default"}],
        "metadata_options": [{"http_endpoint": "enabled", "http_protocol_ipv6": "disabled", "http_put_response_hop_limit": 2, "http_tokens": "required", "instance_metadata_tags": "disabled"}],
        "monitoring": knobs.monitoring,
        "network_interface": [],
        "outpost_arn": "",
        "password_data": "",
        "placement_group": "",
        "placement_partition_number": 0,
        "primary_network_interface_id": format!("eni-0{}", &rng.hex(9)[..16]),
        "private_dns": dns,
        "private_dns_name_options": [{"enable_resource_name_dns_a_record": false, "enable_resource_name_dns_aaaa_record": false, "hostname_type": "ip-name"}],
        "private_ip": ip,
        "public_dns": "",
        "public_ip": "",
        "root_block_device": [{
            "delete_on_termination": true,
            "device_name": "/dev/sda1",
            "encrypted": true,
            "iops": 3000,
            "kms_key_id": format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{}", rng.uuid()),
            "tags": {},
            "tags_all": {},
            "throughput": 125,
            "volume_id": format!("vol-0{}", &rng.hex(9)[..16]),
            "volume_size": VOLUME_SIZES[knobs.volume_size as usize],
            "volume_type": "gp3",
        }],
        "secondary_private_ips": [],
        "security_groups": [],
        "source_dest_check": true,
        "spot_instance_request_id": "",
        "subnet_id": subnet,
        "tags": tags,
        "tags_all": tags,
        "tenancy": "default",
        "timeouts": null,
        "user_data": null,
        "user_data_base64": null,
        "user_data_replace_on_change": false,
        "volume_tags": null,
        "vpc_security_group_ids": [sg],
    }))
}

fn ami_attributes() -> Value {
    sorted(json!({
        "architecture": "x86_64",
        "arn": format!("arn:aws:ec2:eu-west-1::image/{AMI}"),
        "block_device_mappings": [{"device_name": "/dev/sda1", "ebs": {"delete_on_termination": "true", "encrypted": "false", "iops": "0", "snapshot_id": "snap-0e2f1a9c8b7d6e5f4", "throughput": "0", "volume_size": "8", "volume_type": "gp2"}, "no_device": "", "virtual_name": ""}],
        "boot_mode": "",
        "creation_date": "2024-04-11T08:16:20.000Z",
        "deprecation_time": "2026-04-11T08:16:20.000Z",
        "description": "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-04-11",
        "ena_support": true,
        "executable_users": null,
        "filter": [{"name": "name", "values": ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]}],
        "hypervisor": "xen",
        "id": AMI,
        "image_id": AMI,
        "image_location": "amazon/ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240411",
        "image_owner_alias": "amazon",
        "image_type": "machine",
        "imds_support": "",
        "include_deprecated": false,
        "kernel_id": "",
        "most_recent": true,
        "name": "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240411",
        "name_regex": null,
        "owner_id": "099720109477",
        "owners": ["099720109477"],
        "platform": "",
        "platform_details": "Linux/UNIX",
        "product_codes": [],
        "public": true,
        "ramdisk_id": "",
        "root_device_name": "/dev/sda1",
        "root_device_type": "ebs",
        "root_snapshot_id": "snap-0e2f1a9c8b7d6e5f4",
        "sriov_net_support": "simple",
        "state": "available",
        "state_reason": {"code": "UNSET", "message": "UNSET"},
        "tags": {},
        "timeouts": null,
        "tpm_support": "",
        "usage_operation": "RunInstances",
        "virtualization_type": "hvm",
    }))
}

fn resource(
    module: Option<&str>,
    mode: &str,
    rtype: &str,
    name: &str,
    provider: &str,
    instances: Vec<Value>,
) -> Value {
    let mut m = Map::new();
    if let Some(module) = module {
        m.insert("module".into(), json!(module));
    }
    m.insert("mode".into(), json!(mode));
    m.insert("type".into(), json!(rtype));
    m.insert("name".into(), json!(name));
    m.insert(
        "provider".into(),
        json!(format!(
            "provider[\"registry.terraform.io/hashicorp/{provider}\"]"
        )),
    );
    m.insert("instances".into(), Value::Array(instances));
    Value::Object(m)
}

fn instance(
    index_key: Option<Value>,
    schema_version: u64,
    attributes: Value,
    sensitive: Value,
    dependencies: Option<Vec<&str>>,
) -> Value {
    let mut m = Map::new();
    if let Some(k) = index_key {
        m.insert("index_key".into(), k);
    }
    m.insert("schema_version".into(), json!(schema_version));
    m.insert("attributes".into(), attributes);
    m.insert("sensitive_attributes".into(), sensitive);
    if schema_version > 0 {
        m.insert("private".into(), json!("eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ=="));
    }
    if let Some(deps) = dependencies {
        m.insert("dependencies".into(), json!(deps));
    }
    Value::Object(m)
}

/// Attributes as Terraform writes them: object keys in sorted order, at every depth.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
