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

/// `Tag`.
pub const TAG: &[Field] = &[
    Field {
        name: "Key",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Value",
        required: true,
        many: false,
        kind: Kind::Text,
    },
];

/// `ReplicationRuleAndOperator`.
pub const REPLICATION_RULE_AND_OPERATOR: &[Field] = &[
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Tag",
        required: false,
        many: true,
        kind: Kind::Struct(TAG),
    },
];

/// `ReplicationRuleFilter`.
pub const REPLICATION_RULE_FILTER: &[Field] = &[
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Tag",
        required: false,
        many: false,
        kind: Kind::Struct(TAG),
    },
    Field {
        name: "And",
        required: false,
        many: false,
        kind: Kind::Struct(REPLICATION_RULE_AND_OPERATOR),
    },
];

/// `SseKmsEncryptedObjects`.
pub const SSE_KMS_ENCRYPTED_OBJECTS: &[Field] = &[Field {
    name: "Status",
    required: true,
    many: false,
    kind: Kind::Enum(&["Enabled", "Disabled"]),
}];

/// `ReplicaModifications`.
pub const REPLICA_MODIFICATIONS: &[Field] = &[Field {
    name: "Status",
    required: true,
    many: false,
    kind: Kind::Enum(&["Enabled", "Disabled"]),
}];

/// `SourceSelectionCriteria`.
pub const SOURCE_SELECTION_CRITERIA: &[Field] = &[
    Field {
        name: "SseKmsEncryptedObjects",
        required: false,
        many: false,
        kind: Kind::Struct(SSE_KMS_ENCRYPTED_OBJECTS),
    },
    Field {
        name: "ReplicaModifications",
        required: false,
        many: false,
        kind: Kind::Struct(REPLICA_MODIFICATIONS),
    },
];

/// `ExistingObjectReplication`.
pub const EXISTING_OBJECT_REPLICATION: &[Field] = &[Field {
    name: "Status",
    required: true,
    many: false,
    kind: Kind::Enum(&["Enabled", "Disabled"]),
}];

/// `AccessControlTranslation`.
pub const ACCESS_CONTROL_TRANSLATION: &[Field] = &[Field {
    name: "Owner",
    required: true,
    many: false,
    kind: Kind::Enum(&["Destination"]),
}];

/// `EncryptionConfiguration`.
pub const ENCRYPTION_CONFIGURATION: &[Field] = &[Field {
    name: "ReplicaKmsKeyID",
    required: false,
    many: false,
    kind: Kind::Text,
}];

/// `ReplicationTimeValue`.
pub const REPLICATION_TIME_VALUE: &[Field] = &[Field {
    name: "Minutes",
    required: false,
    many: false,
    kind: Kind::Int,
}];

/// `ReplicationTime`.
pub const REPLICATION_TIME: &[Field] = &[
    Field {
        name: "Status",
        required: true,
        many: false,
        kind: Kind::Enum(&["Enabled", "Disabled"]),
    },
    Field {
        name: "Time",
        required: true,
        many: false,
        kind: Kind::Struct(REPLICATION_TIME_VALUE),
    },
];

/// `Metrics`.
pub const METRICS: &[Field] = &[
    Field {
        name: "Status",
        required: true,
        many: false,
        kind: Kind::Enum(&["Enabled", "Disabled"]),
    },
    Field {
        name: "EventThreshold",
        required: false,
        many: false,
        kind: Kind::Struct(REPLICATION_TIME_VALUE),
    },
];

/// `Destination`.
pub const DESTINATION: &[Field] = &[
    Field {
        name: "Bucket",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Account",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "StorageClass",
        required: false,
        many: false,
        kind: Kind::Enum(&[
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
    },
    Field {
        name: "AccessControlTranslation",
        required: false,
        many: false,
        kind: Kind::Struct(ACCESS_CONTROL_TRANSLATION),
    },
    Field {
        name: "EncryptionConfiguration",
        required: false,
        many: false,
        kind: Kind::Struct(ENCRYPTION_CONFIGURATION),
    },
    Field {
        name: "ReplicationTime",
        required: false,
        many: false,
        kind: Kind::Struct(REPLICATION_TIME),
    },
    Field {
        name: "Metrics",
        required: false,
        many: false,
        kind: Kind::Struct(METRICS),
    },
];

/// `DeleteMarkerReplication`.
pub const DELETE_MARKER_REPLICATION: &[Field] = &[Field {
    name: "Status",
    required: false,
    many: false,
    kind: Kind::Enum(&["Enabled", "Disabled"]),
}];

/// `ReplicationRule`.
pub const REPLICATION_RULE: &[Field] = &[
    Field {
        name: "ID",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Priority",
        required: false,
        many: false,
        kind: Kind::Int,
    },
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Filter",
        required: false,
        many: false,
        kind: Kind::Choice(REPLICATION_RULE_FILTER),
    },
    Field {
        name: "Status",
        required: true,
        many: false,
        kind: Kind::Enum(&["Enabled", "Disabled"]),
    },
    Field {
        name: "SourceSelectionCriteria",
        required: false,
        many: false,
        kind: Kind::Struct(SOURCE_SELECTION_CRITERIA),
    },
    Field {
        name: "ExistingObjectReplication",
        required: false,
        many: false,
        kind: Kind::Struct(EXISTING_OBJECT_REPLICATION),
    },
    Field {
        name: "Destination",
        required: true,
        many: false,
        kind: Kind::Struct(DESTINATION),
    },
    Field {
        name: "DeleteMarkerReplication",
        required: false,
        many: false,
        kind: Kind::Struct(DELETE_MARKER_REPLICATION),
    },
];

/// `ReplicationConfiguration`.
pub const REPLICATION_CONFIGURATION: &[Field] = &[
    Field {
        name: "Role",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Rule",
        required: true,
        many: true,
        kind: Kind::Struct(REPLICATION_RULE),
    },
];

/// `AnalyticsAndOperator`.
pub const ANALYTICS_AND_OPERATOR: &[Field] = &[
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Tag",
        required: false,
        many: true,
        kind: Kind::Struct(TAG),
    },
];

/// `AnalyticsFilter`.
pub const ANALYTICS_FILTER: &[Field] = &[
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Tag",
        required: false,
        many: false,
        kind: Kind::Struct(TAG),
    },
    Field {
        name: "And",
        required: false,
        many: false,
        kind: Kind::Struct(ANALYTICS_AND_OPERATOR),
    },
];

/// `AnalyticsS3BucketDestination`.
pub const ANALYTICS_S3_BUCKET_DESTINATION: &[Field] = &[
    Field {
        name: "Format",
        required: true,
        many: false,
        kind: Kind::Enum(&["CSV"]),
    },
    Field {
        name: "BucketAccountId",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Bucket",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
];

/// `AnalyticsExportDestination`.
pub const ANALYTICS_EXPORT_DESTINATION: &[Field] = &[Field {
    name: "S3BucketDestination",
    required: true,
    many: false,
    kind: Kind::Struct(ANALYTICS_S3_BUCKET_DESTINATION),
}];

/// `StorageClassAnalysisDataExport`.
pub const STORAGE_CLASS_ANALYSIS_DATA_EXPORT: &[Field] = &[
    Field {
        name: "OutputSchemaVersion",
        required: true,
        many: false,
        kind: Kind::Enum(&["V_1"]),
    },
    Field {
        name: "Destination",
        required: true,
        many: false,
        kind: Kind::Struct(ANALYTICS_EXPORT_DESTINATION),
    },
];

/// `StorageClassAnalysis`.
pub const STORAGE_CLASS_ANALYSIS: &[Field] = &[Field {
    name: "DataExport",
    required: false,
    many: false,
    kind: Kind::Struct(STORAGE_CLASS_ANALYSIS_DATA_EXPORT),
}];

/// `AnalyticsConfiguration`.
pub const ANALYTICS_CONFIGURATION: &[Field] = &[
    Field {
        name: "Id",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Filter",
        required: false,
        many: false,
        kind: Kind::Choice(ANALYTICS_FILTER),
    },
    Field {
        name: "StorageClassAnalysis",
        required: true,
        many: false,
        kind: Kind::Struct(STORAGE_CLASS_ANALYSIS),
    },
];

/// `SSES3`.
pub const SSE_S3: &[Field] = &[];

/// `SSEKMS`.
pub const SSE_KMS: &[Field] = &[Field {
    name: "KeyId",
    required: true,
    many: false,
    kind: Kind::Text,
}];

/// `InventoryEncryption`.
pub const INVENTORY_ENCRYPTION: &[Field] = &[
    Field {
        name: "SSE-S3",
        required: false,
        many: false,
        kind: Kind::Struct(SSE_S3),
    },
    Field {
        name: "SSE-KMS",
        required: false,
        many: false,
        kind: Kind::Struct(SSE_KMS),
    },
];

/// `InventoryS3BucketDestination`.
pub const INVENTORY_S3_BUCKET_DESTINATION: &[Field] = &[
    Field {
        name: "AccountId",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Bucket",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Format",
        required: true,
        many: false,
        kind: Kind::Enum(&["CSV", "ORC", "Parquet"]),
    },
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Encryption",
        required: false,
        many: false,
        kind: Kind::Struct(INVENTORY_ENCRYPTION),
    },
];

/// `InventoryDestination`.
pub const INVENTORY_DESTINATION: &[Field] = &[Field {
    name: "S3BucketDestination",
    required: true,
    many: false,
    kind: Kind::Struct(INVENTORY_S3_BUCKET_DESTINATION),
}];

/// `InventoryFilter`.
pub const INVENTORY_FILTER: &[Field] = &[Field {
    name: "Prefix",
    required: true,
    many: false,
    kind: Kind::Text,
}];

/// `InventorySchedule`.
pub const INVENTORY_SCHEDULE: &[Field] = &[Field {
    name: "Frequency",
    required: true,
    many: false,
    kind: Kind::Enum(&["Daily", "Weekly"]),
}];

/// `InventoryConfiguration`.
pub const INVENTORY_CONFIGURATION: &[Field] = &[
    Field {
        name: "Destination",
        required: true,
        many: false,
        kind: Kind::Struct(INVENTORY_DESTINATION),
    },
    Field {
        name: "IsEnabled",
        required: true,
        many: false,
        kind: Kind::Bool,
    },
    Field {
        name: "Filter",
        required: false,
        many: false,
        kind: Kind::Struct(INVENTORY_FILTER),
    },
    Field {
        name: "Id",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "IncludedObjectVersions",
        required: true,
        many: false,
        kind: Kind::Enum(&["All", "Current"]),
    },
    Field {
        name: "OptionalFields",
        required: false,
        many: false,
        kind: Kind::List(
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
    },
    Field {
        name: "Schedule",
        required: true,
        many: false,
        kind: Kind::Struct(INVENTORY_SCHEDULE),
    },
];

/// `MetricsAndOperator`.
pub const METRICS_AND_OPERATOR: &[Field] = &[
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Tag",
        required: false,
        many: true,
        kind: Kind::Struct(TAG),
    },
    Field {
        name: "AccessPointArn",
        required: false,
        many: false,
        kind: Kind::Text,
    },
];

/// `MetricsFilter`.
pub const METRICS_FILTER: &[Field] = &[
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Tag",
        required: false,
        many: false,
        kind: Kind::Struct(TAG),
    },
    Field {
        name: "AccessPointArn",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "And",
        required: false,
        many: false,
        kind: Kind::Struct(METRICS_AND_OPERATOR),
    },
];

/// `MetricsConfiguration`.
pub const METRICS_CONFIGURATION: &[Field] = &[
    Field {
        name: "Id",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Filter",
        required: false,
        many: false,
        kind: Kind::Choice(METRICS_FILTER),
    },
];

/// `IntelligentTieringAndOperator`.
pub const INTELLIGENT_TIERING_AND_OPERATOR: &[Field] = &[
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Tag",
        required: false,
        many: true,
        kind: Kind::Struct(TAG),
    },
];

/// `IntelligentTieringFilter`.
pub const INTELLIGENT_TIERING_FILTER: &[Field] = &[
    Field {
        name: "Prefix",
        required: false,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Tag",
        required: false,
        many: false,
        kind: Kind::Struct(TAG),
    },
    Field {
        name: "And",
        required: false,
        many: false,
        kind: Kind::Struct(INTELLIGENT_TIERING_AND_OPERATOR),
    },
];

/// `Tiering`.
pub const TIERING: &[Field] = &[
    Field {
        name: "Days",
        required: true,
        many: false,
        kind: Kind::Int,
    },
    Field {
        name: "AccessTier",
        required: true,
        many: false,
        kind: Kind::Enum(&["ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS"]),
    },
];

/// `IntelligentTieringConfiguration`.
pub const INTELLIGENT_TIERING_CONFIGURATION: &[Field] = &[
    Field {
        name: "Id",
        required: true,
        many: false,
        kind: Kind::Text,
    },
    Field {
        name: "Filter",
        required: false,
        many: false,
        kind: Kind::Choice(INTELLIGENT_TIERING_FILTER),
    },
    Field {
        name: "Status",
        required: true,
        many: false,
        kind: Kind::Enum(&["Enabled", "Disabled"]),
    },
    Field {
        name: "Tiering",
        required: true,
        many: true,
        kind: Kind::Struct(TIERING),
    },
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
