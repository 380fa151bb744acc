//! Partial updates: telling "leave as is" from "clear it".

/// For PATCH bodies: an absent field is `None` (leave as is), `null` is `Some(None)` (clear it).
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}
