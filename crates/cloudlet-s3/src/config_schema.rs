//! The shapes of the bucket configuration documents S3 stores without acting on them
//! (replication, analytics, inventory, metrics, Intelligent-Tiering), taken from the S3 API
//! model: which elements each may hold, which are required or repeated, and the values of
//! enumerations. `check` validates a parsed document against its shape, `write` gives it
//! back in S3's XML. Pure.

use cloudlet_core::xml::escape;

use crate::xml::Element;

/// What an element holds.
#[derive(Debug)]
pub enum Kind {
    Text,
    Enum(&'static [&'static str]),
    Int,
    Bool,
    Struct(&'static [Field]),
    /// A structure of which at most one member is given (the filters).
    Choice(&'static [Field]),
    /// A wrapped list: every child is named by the first field and holds the second.
    List(&'static str, &'static Kind),
}

/// One member of a structure.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    /// A flattened list: the element may repeat.
    pub many: bool,
    pub kind: Kind,
}

/// Whether `el` (whose own name was already checked) matches `kind`.
pub fn check(el: &Element, kind: &Kind) -> bool {
    let leaf = el.children.is_empty();
    let text = el.text.trim();
    match kind {
        Kind::Text => leaf,
        Kind::Enum(values) => leaf && values.contains(&text),
        Kind::Int => leaf && text.parse::<i64>().is_ok(),
        Kind::Bool => leaf && matches!(text, "true" | "false"),
        Kind::Struct(fields) => check_struct(el, fields),
        Kind::Choice(fields) => el.children.len() <= 1 && check_struct(el, fields),
        Kind::List(item, inner) => el
            .children
            .iter()
            .all(|c| c.name == *item && check(c, inner)),
    }
}

fn check_struct(el: &Element, fields: &[Field]) -> bool {
    if !el
        .children
        .iter()
        .all(|c| fields.iter().any(|f| f.name == c.name))
    {
        return false;
    }
    fields.iter().all(|f| {
        let mut n = 0;
        for c in el.children_named(f.name) {
            if !check(c, &f.kind) {
                return false;
            }
            n += 1;
        }
        (n > 0 || !f.required) && (n <= 1 || f.many)
    })
}

/// `el`'s children as XML (text of leaves as given, whitespace between elements dropped).
pub fn write_children(el: &Element, out: &mut String) {
    for c in &el.children {
        write(c, out);
    }
}

fn write(el: &Element, out: &mut String) {
    out.push('<');
    out.push_str(&el.name);
    out.push('>');
    if el.children.is_empty() {
        out.push_str(&escape(&el.text));
    } else {
        write_children(el, out);
    }
    out.push_str("</");
    out.push_str(&el.name);
    out.push('>');
}

// The shapes below are generated from botocore's `s3/2006-03-01/service-2.json`.

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        required: true,
        many: false,
        kind,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        required: false,
        many: false,
        kind,
    }
}

const fn req_many(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        required: true,
        many: true,
        kind,
    }
}

const fn opt_many(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        required: false,
        many: true,
        kind,
    }
}

/// `Tag`.
pub const TAG: &[Field] = &[req("Key", Kind::Text), req("Value", Kind::Text)];

/// `ReplicationRuleAndOperator`.
pub const REPLICATION_RULE_AND_OPERATOR: &[Field] = &[
    opt("Prefix", Kind::Text),
    opt_many("Tag", Kind::Struct(TAG)),
];

/// `ReplicationRuleFilter`.
pub const REPLICATION_RULE_FILTER: &[Field] = &[
    opt("Prefix", Kind::Text),
    opt("Tag", Kind::Struct(TAG)),
    opt("And", Kind::Struct(REPLICATION_RULE_AND_OPERATOR)),
];

/// `SseKmsEncryptedObjects`.
pub const SSE_KMS_ENCRYPTED_OBJECTS: &[Field] =
    &[req("Status", Kind::Enum(&["Enabled", "Disabled"]))];

/// `ReplicaModifications`.
pub const REPLICA_MODIFICATIONS: &[Field] = &[req("Status", Kind::Enum(&["Enabled", "Disabled"]))];

/// `SourceSelectionCriteria`.
pub const SOURCE_SELECTION_CRITERIA: &[Field] = &[
    opt(
        "SseKmsEncryptedObjects",
        Kind::Struct(SSE_KMS_ENCRYPTED_OBJECTS),
    ),
    opt("ReplicaModifications", Kind::Struct(REPLICA_MODIFICATIONS)),
];

/// `ExistingObjectReplication`.
pub const EXISTING_OBJECT_REPLICATION: &[Field] =
    &[req("Status", Kind::Enum(&["Enabled", "Disabled"]))];

/// `AccessControlTranslation`.
pub const ACCESS_CONTROL_TRANSLATION: &[Field] = &[req("Owner", Kind::Enum(&["Destination"]))];

/// `EncryptionConfiguration`.
pub const ENCRYPTION_CONFIGURATION: &[Field] = &[opt("ReplicaKmsKeyID", Kind::Text)];

/// `ReplicationTimeValue`.
pub const REPLICATION_TIME_VALUE: &[Field] = &[opt("Minutes", Kind::Int)];

/// `ReplicationTime`.
pub const REPLICATION_TIME: &[Field] = &[
    req("Status", Kind::Enum(&["Enabled", "Disabled"])),
    req("Time", Kind::Struct(REPLICATION_TIME_VALUE)),
];

/// `Metrics`.
pub const METRICS: &[Field] = &[
    req("Status", Kind::Enum(&["Enabled", "Disabled"])),
    opt("EventThreshold", Kind::Struct(REPLICATION_TIME_VALUE)),
];

/// `Destination`.
pub const DESTINATION: &[Field] = &[
    req("Bucket", Kind::Text),
    opt("Account", Kind::Text),
    opt(
        "StorageClass",
        Kind::Enum(&[
            "STANDARD",
            "REDUCED_REDUNDANCY",
            "STANDARD_IA",
            "ONEZONE_IA",
            "INTELLIGENT_TIERING",
            "GLACIER",
            "DEEP_ARCHIVE",
            "OUTPOSTS",
            "GLACIER_IR",
            "SNOW",
            "EXPRESS_ONEZONE",
            "FSX_OPENZFS",
            "FSX_ONTAP",
        ]),
    ),
    opt(
        "AccessControlTranslation",
        Kind::Struct(ACCESS_CONTROL_TRANSLATION),
    ),
    opt(
        "EncryptionConfiguration",
        Kind::Struct(ENCRYPTION_CONFIGURATION),
    ),
    opt("ReplicationTime", Kind::Struct(REPLICATION_TIME)),
    opt("Metrics", Kind::Struct(METRICS)),
];

/// `DeleteMarkerReplication`.
pub const DELETE_MARKER_REPLICATION: &[Field] =
    &[opt("Status", Kind::Enum(&["Enabled", "Disabled"]))];

/// `ReplicationRule`.
pub const REPLICATION_RULE: &[Field] = &[
    opt("ID", Kind::Text),
    opt("Priority", Kind::Int),
    opt("Prefix", Kind::Text),
    opt("Filter", Kind::Choice(REPLICATION_RULE_FILTER)),
    req("Status", Kind::Enum(&["Enabled", "Disabled"])),
    opt(
        "SourceSelectionCriteria",
        Kind::Struct(SOURCE_SELECTION_CRITERIA),
    ),
    opt(
        "ExistingObjectReplication",
        Kind::Struct(EXISTING_OBJECT_REPLICATION),
    ),
    req("Destination", Kind::Struct(DESTINATION)),
    opt(
        "DeleteMarkerReplication",
        Kind::Struct(DELETE_MARKER_REPLICATION),
    ),
];

/// `ReplicationConfiguration`.
pub const REPLICATION_CONFIGURATION: &[Field] = &[
    req("Role", Kind::Text),
    req_many("Rule", Kind::Struct(REPLICATION_RULE)),
];

/// `AnalyticsAndOperator`.
pub const ANALYTICS_AND_OPERATOR: &[Field] = &[
    opt("Prefix", Kind::Text),
    opt_many("Tag", Kind::Struct(TAG)),
];

/// `AnalyticsFilter`.
pub const ANALYTICS_FILTER: &[Field] = &[
    opt("Prefix", Kind::Text),
    opt("Tag", Kind::Struct(TAG)),
    opt("And", Kind::Struct(ANALYTICS_AND_OPERATOR)),
];

/// `AnalyticsS3BucketDestination`.
pub const ANALYTICS_S3_BUCKET_DESTINATION: &[Field] = &[
    req("Format", Kind::Enum(&["CSV"])),
    opt("BucketAccountId", Kind::Text),
    req("Bucket", Kind::Text),
    opt("Prefix", Kind::Text),
];

/// `AnalyticsExportDestination`.
pub const ANALYTICS_EXPORT_DESTINATION: &[Field] = &[req(
    "S3BucketDestination",
    Kind::Struct(ANALYTICS_S3_BUCKET_DESTINATION),
)];

/// `StorageClassAnalysisDataExport`.
pub const STORAGE_CLASS_ANALYSIS_DATA_EXPORT: &[Field] = &[
    req("OutputSchemaVersion", Kind::Enum(&["V_1"])),
    req("Destination", Kind::Struct(ANALYTICS_EXPORT_DESTINATION)),
];

/// `StorageClassAnalysis`.
pub const STORAGE_CLASS_ANALYSIS: &[Field] = &[opt(
    "DataExport",
    Kind::Struct(STORAGE_CLASS_ANALYSIS_DATA_EXPORT),
)];

/// `AnalyticsConfiguration`.
pub const ANALYTICS_CONFIGURATION: &[Field] = &[
    req("Id", Kind::Text),
    opt("Filter", Kind::Choice(ANALYTICS_FILTER)),
    req("StorageClassAnalysis", Kind::Struct(STORAGE_CLASS_ANALYSIS)),
];

/// `SSES3`.
pub const SSE_S3: &[Field] = &[];

/// `SSEKMS`.
pub const SSE_KMS: &[Field] = &[req("KeyId", Kind::Text)];

/// `InventoryEncryption`.
pub const INVENTORY_ENCRYPTION: &[Field] = &[
    opt("SSE-S3", Kind::Struct(SSE_S3)),
    opt("SSE-KMS", Kind::Struct(SSE_KMS)),
];

/// `InventoryS3BucketDestination`.
pub const INVENTORY_S3_BUCKET_DESTINATION: &[Field] = &[
    opt("AccountId", Kind::Text),
    req("Bucket", Kind::Text),
    req("Format", Kind::Enum(&["CSV", "ORC", "Parquet"])),
    opt("Prefix", Kind::Text),
    opt("Encryption", Kind::Struct(INVENTORY_ENCRYPTION)),
];

/// `InventoryDestination`.
pub const INVENTORY_DESTINATION: &[Field] = &[req(
    "S3BucketDestination",
    Kind::Struct(INVENTORY_S3_BUCKET_DESTINATION),
)];

/// `InventoryFilter`.
pub const INVENTORY_FILTER: &[Field] = &[req("Prefix", Kind::Text)];

/// `InventorySchedule`.
pub const INVENTORY_SCHEDULE: &[Field] = &[req("Frequency", Kind::Enum(&["Daily", "Weekly"]))];

/// `InventoryConfiguration`.
pub const INVENTORY_CONFIGURATION: &[Field] = &[
    req("Destination", Kind::Struct(INVENTORY_DESTINATION)),
    req("IsEnabled", Kind::Bool),
    opt("Filter", Kind::Struct(INVENTORY_FILTER)),
    req("Id", Kind::Text),
    req("IncludedObjectVersions", Kind::Enum(&["All", "Current"])),
    opt(
        "OptionalFields",
        Kind::List(
            "Field",
            &Kind::Enum(&[
                "Size",
                "LastModifiedDate",
                "StorageClass",
                "ETag",
                "IsMultipartUploaded",
                "ReplicationStatus",
                "EncryptionStatus",
                "ObjectLockRetainUntilDate",
                "ObjectLockMode",
                "ObjectLockLegalHoldStatus",
                "IntelligentTieringAccessTier",
                "BucketKeyStatus",
                "ChecksumAlgorithm",
                "ObjectAccessControlList",
                "ObjectOwner",
                "LifecycleExpirationDate",
            ]),
        ),
    ),
    req("Schedule", Kind::Struct(INVENTORY_SCHEDULE)),
];

/// `MetricsAndOperator`.
pub const METRICS_AND_OPERATOR: &[Field] = &[
    opt("Prefix", Kind::Text),
    opt_many("Tag", Kind::Struct(TAG)),
    opt("AccessPointArn", Kind::Text),
];

/// `MetricsFilter`.
pub const METRICS_FILTER: &[Field] = &[
    opt("Prefix", Kind::Text),
    opt("Tag", Kind::Struct(TAG)),
    opt("AccessPointArn", Kind::Text),
    opt("And", Kind::Struct(METRICS_AND_OPERATOR)),
];

/// `MetricsConfiguration`.
pub const METRICS_CONFIGURATION: &[Field] = &[
    req("Id", Kind::Text),
    opt("Filter", Kind::Choice(METRICS_FILTER)),
];

/// `IntelligentTieringAndOperator`.
pub const INTELLIGENT_TIERING_AND_OPERATOR: &[Field] = &[
    opt("Prefix", Kind::Text),
    opt_many("Tag", Kind::Struct(TAG)),
];

/// `IntelligentTieringFilter`.
pub const INTELLIGENT_TIERING_FILTER: &[Field] = &[
    opt("Prefix", Kind::Text),
    opt("Tag", Kind::Struct(TAG)),
    opt("And", Kind::Struct(INTELLIGENT_TIERING_AND_OPERATOR)),
];

/// `Tiering`.
pub const TIERING: &[Field] = &[
    req("Days", Kind::Int),
    req(
        "AccessTier",
        Kind::Enum(&["ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS"]),
    ),
];

/// `IntelligentTieringConfiguration`.
pub const INTELLIGENT_TIERING_CONFIGURATION: &[Field] = &[
    req("Id", Kind::Text),
    opt("Filter", Kind::Choice(INTELLIGENT_TIERING_FILTER)),
    req("Status", Kind::Enum(&["Enabled", "Disabled"])),
    req_many("Tiering", Kind::Struct(TIERING)),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(doc: &str, fields: &'static [Field]) -> bool {
        check(&crate::xml::parse(doc).unwrap(), &Kind::Struct(fields))
    }

    #[test]
    fn documents_against_shapes() {
        let cases: [(&str, &'static [Field], bool); 12] = [
            ("<M><Id>a</Id></M>", METRICS_CONFIGURATION, true),
            (
                "<M><Id>a</Id><Filter><Prefix>p</Prefix></Filter></M>",
                METRICS_CONFIGURATION,
                true,
            ),
            // A filter holds one predicate (several go into And).
            (
                "<M><Id>a</Id><Filter><Prefix>p</Prefix><AccessPointArn>x</AccessPointArn></Filter></M>",
                METRICS_CONFIGURATION,
                false,
            ),
            (
                "<M><Id>a</Id><Filter><And><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>j</Key><Value>w</Value></Tag></And></Filter></M>",
                METRICS_CONFIGURATION,
                true,
            ),
            ("<M><Filter/></M>", METRICS_CONFIGURATION, false),
            ("<M><Id>a</Id><Id>b</Id></M>", METRICS_CONFIGURATION, false),
            ("<M><Id>a</Id><Bogus/></M>", METRICS_CONFIGURATION, false),
            (
                "<T><Id>a</Id><Status>Enabled</Status><Tiering><Days>90</Days><AccessTier>ARCHIVE_ACCESS</AccessTier></Tiering><Tiering><Days>180</Days><AccessTier>DEEP_ARCHIVE_ACCESS</AccessTier></Tiering></T>",
                INTELLIGENT_TIERING_CONFIGURATION,
                true,
            ),
            (
                "<T><Id>a</Id><Status>On</Status><Tiering><Days>90</Days><AccessTier>ARCHIVE_ACCESS</AccessTier></Tiering></T>",
                INTELLIGENT_TIERING_CONFIGURATION,
                false,
            ),
            (
                "<T><Id>a</Id><Status>Enabled</Status><Tiering><Days>x</Days><AccessTier>ARCHIVE_ACCESS</AccessTier></Tiering></T>",
                INTELLIGENT_TIERING_CONFIGURATION,
                false,
            ),
            (
                "<I><Destination><S3BucketDestination><Bucket>arn:aws:s3:::d</Bucket><Format>CSV</Format></S3BucketDestination></Destination><IsEnabled>true</IsEnabled><Id>a</Id><IncludedObjectVersions>All</IncludedObjectVersions><OptionalFields><Field>Size</Field><Field>ETag</Field></OptionalFields><Schedule><Frequency>Daily</Frequency></Schedule></I>",
                INVENTORY_CONFIGURATION,
                true,
            ),
            (
                "<I><Destination><S3BucketDestination><Bucket>arn:aws:s3:::d</Bucket><Format>CSV</Format></S3BucketDestination></Destination><IsEnabled>yes</IsEnabled><Id>a</Id><IncludedObjectVersions>All</IncludedObjectVersions><Schedule><Frequency>Daily</Frequency></Schedule></I>",
                INVENTORY_CONFIGURATION,
                false,
            ),
        ];
        for (doc, fields, expected) in cases {
            assert_eq!(ok(doc, fields), expected, "{doc}");
        }
    }

    #[test]
    fn writes_children_back() {
        let el = crate::xml::parse(
            "<M>\n  <Id>a&amp;b</Id>\n  <Filter><Prefix> p </Prefix></Filter>\n</M>",
        )
        .unwrap();
        let mut out = String::new();
        write_children(&el, &mut out);
        assert_eq!(out, "<Id>a&amp;b</Id><Filter><Prefix> p </Prefix></Filter>");
    }
}
