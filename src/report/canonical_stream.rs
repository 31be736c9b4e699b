//! Canonical JSON of a struct written field by field, without ever holding its whole text.
//!
//! [`super::canonical`] rewrites one compact text of the whole value; for a report that text is
//! the size of the report (144 MB on a 50,000-instance estate), held while the digest is taken,
//! at the moment of the audit's peak memory. Here the struct is serialised once to learn its
//! field names (without serialising their values), then once per field in sorted key order,
//! with only that field's value serialised each time. A field holding a sequence (the report's
//! components and findings) is streamed item by item: each item's compact text is rewritten
//! sorted, a run of items at a time on the pool's threads while the next run is serialised.
//! Any other field goes through its compact text. The text is exactly what `write_canonical`
//! writes for the whole value; the tests hold the two to that.

use std::cell::Cell;
use std::io::Write;
use std::sync::mpsc::Receiver;

use serde::ser::{self, Impossible, Serialize, SerializeSeq, SerializeStruct, Serializer};
use serde_json::Error;

use super::canonical::{sorted_run, utf16_order, write_compact, PARALLEL_RUN};

/// Writes the canonical text of `value` if it serialises as a struct and answers `Ok(true)`;
/// answers `Ok(false)`, having written nothing, for anything else. An error after writing
/// began leaves `out` holding part of a text.
pub(super) fn write_struct<T: Serialize + ?Sized>(
    value: &T,
    out: &mut dyn Write,
) -> Result<bool, Error> {
    let Ok(mut keys) = value.serialize(FieldNames) else {
        return Ok(false);
    };
    keys.sort_by(|a, b| utf16_order(a, b));
    out.write_all(b"{").map_err(Error::io)?;
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.write_all(b",").map_err(Error::io)?;
        }
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b":").map_err(Error::io)?;
        value.serialize(OneField {
            key,
            out: &mut *out,
        })?;
    }
    out.write_all(b"}").map_err(Error::io)?;
    Ok(true)
}

fn not_here() -> Error {
    ser::Error::custom("not the shape this pass writes")
}

/// Every serializer method a pass does not take: an error, before anything is written.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Error> { Err(not_here()) })*
    };
}

/// Refuses every shape but the one a pass implements itself.
macro_rules! refuse_all_but_compounds {
    () => {
        refuse!(
            serialize_bool(bool),
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_f32(f32),
            serialize_f64(f64),
            serialize_char(char),
            serialize_str(&str),
            serialize_bytes(&[u8]),
            serialize_none(),
            serialize_unit(),
            serialize_unit_struct(&'static str),
            serialize_unit_variant(&'static str, u32, &'static str),
        );
        fn serialize_some<V: Serialize + ?Sized>(self, _: &V) -> Result<Self::Ok, Error> {
            Err(not_here())
        }
        fn serialize_newtype_struct<V: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: &V,
        ) -> Result<Self::Ok, Error> {
            Err(not_here())
        }
        fn serialize_newtype_variant<V: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &V,
        ) -> Result<Self::Ok, Error> {
            Err(not_here())
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
            Err(not_here())
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Error> {
            Err(not_here())
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Error> {
            Err(not_here())
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
            Err(not_here())
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Error> {
            Err(not_here())
        }
    };
}

/// The names of a struct's fields, in the order serialised; their values are not serialised.
/// Skipped fields (`skip_serializing_if`) are not named, as they are not written.
struct FieldNames;

struct NameList(Vec<&'static str>);

impl Serializer for FieldNames {
    type Ok = Vec<&'static str>;
    type Error = Error;
    type SerializeSeq = Impossible<Vec<&'static str>, Error>;
    type SerializeTuple = Impossible<Vec<&'static str>, Error>;
    type SerializeTupleStruct = Impossible<Vec<&'static str>, Error>;
    type SerializeTupleVariant = Impossible<Vec<&'static str>, Error>;
    type SerializeMap = Impossible<Vec<&'static str>, Error>;
    type SerializeStruct = NameList;
    type SerializeStructVariant = Impossible<Vec<&'static str>, Error>;

    refuse_all_but_compounds!();

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_here())
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<NameList, Error> {
        Ok(NameList(Vec::with_capacity(len)))
    }
}

impl SerializeStruct for NameList {
    type Ok = Vec<&'static str>;
    type Error = Error;

    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        _: &V,
    ) -> Result<(), Error> {
        self.0.push(key);
        Ok(())
    }

    fn end(self) -> Result<Vec<&'static str>, Error> {
        Ok(self.0)
    }
}

/// Writes the canonical text of one field of a struct, and nothing of the others.
struct OneField<'a> {
    key: &'a str,
    out: &'a mut dyn Write,
}

impl<'a> Serializer for OneField<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = OneField<'a>;
    type SerializeStructVariant = Impossible<(), Error>;

    refuse_all_but_compounds!();

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_here())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<OneField<'a>, Error> {
        Ok(self)
    }
}

impl SerializeStruct for OneField<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), Error> {
        if key != self.key {
            return Ok(());
        }
        let began = Cell::new(false);
        match value.serialize(Items {
            out: &mut *self.out,
            began: &began,
        }) {
            Ok(()) => Ok(()),
            // Not a sequence: through its compact text, an error (and so the whole value's
            // compact text instead) where it does not serialise, as `write_canonical` would.
            Err(_) if !began.get() => {
                let compact = serde_json::to_string(value)?;
                write_compact(&compact, &mut *self.out).map_err(Error::io)
            }
            Err(e) => Err(e),
        }
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// Writes a sequence item by item; refuses anything else before writing. `began` tells a
/// refusal from an error once writing began.
struct Items<'a> {
    out: &'a mut dyn Write,
    began: &'a Cell<bool>,
}

impl<'a> Serializer for Items<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ItemRuns<'a>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    refuse_all_but_compounds!();

    fn serialize_seq(self, _: Option<usize>) -> Result<ItemRuns<'a>, Error> {
        self.began.set(true);
        self.out.write_all(b"[").map_err(Error::io)?;
        Ok(ItemRuns {
            out: self.out,
            run: Vec::new(),
            written: 0,
            rewriting: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(not_here())
    }
}

/// Items' compact texts, rewritten sorted a run at a time: a run of [`PARALLEL_RUN`] on every
/// thread of the pool while the next run's compact texts are written on this one, then each
/// run's texts written out in order.
struct ItemRuns<'a> {
    out: &'a mut dyn Write,
    run: Vec<Vec<u8>>,
    written: usize,
    /// The run handed to the pool, until its texts are written out.
    rewriting: Option<Receiver<Rewritten>>,
}

type Rewritten = Vec<Result<Vec<u8>, Error>>;

impl ItemRuns<'_> {
    /// Hands the current run to the pool, then writes out the run handed before it.
    fn hand_over(&mut self) -> Result<(), Error> {
        let run = std::mem::take(&mut self.run);
        let before = self.rewriting.take();
        if rayon::current_thread_index().is_some() {
            // On a thread of the pool already: waiting here for the pool could wait for this
            // very thread, so the run is rewritten in place.
            self.write_out(before)?;
            return self.write(sorted_run(&run));
        }
        let (done, rewritten) = std::sync::mpsc::sync_channel(1);
        rayon::spawn(move || {
            // The receiver is gone only when writing failed; then nobody wants the texts.
            let _ = done.send(sorted_run(&run));
        });
        self.rewriting = Some(rewritten);
        self.write_out(before)
    }

    fn write_out(&mut self, handed: Option<Receiver<Rewritten>>) -> Result<(), Error> {
        match handed {
            None => Ok(()),
            Some(rewritten) => match rewritten.recv() {
                Ok(texts) => self.write(texts),
                Err(_) => Err(ser::Error::custom("rewriting a run of items failed")),
            },
        }
    }

    fn write(&mut self, texts: Rewritten) -> Result<(), Error> {
        for text in texts {
            if self.written > 0 {
                self.out.write_all(b",").map_err(Error::io)?;
            }
            self.out.write_all(&text?).map_err(Error::io)?;
            self.written += 1;
        }
        Ok(())
    }
}

impl SerializeSeq for ItemRuns<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<V: Serialize + ?Sized>(&mut self, item: &V) -> Result<(), Error> {
        self.run.push(serde_json::to_vec(item)?);
        if self.run.len() == PARALLEL_RUN {
            self.hand_over()?;
        }
        Ok(())
    }

    fn end(mut self) -> Result<(), Error> {
        self.hand_over()?;
        let last = self.rewriting.take();
        self.write_out(last)?;
        self.out.write_all(b"]").map_err(Error::io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::canonical_json;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Item {
        zeta: usize,
        #[serde(rename = "\u{FF21}")]
        wide: &'static str,
        #[serde(rename = "\u{1F600}")]
        emoji: Vec<BTreeMap<String, Option<f64>>>,
    }

    #[derive(Serialize)]
    struct Whole {
        schema: u32,
        items: Vec<Item>,
        #[serde(skip_serializing_if = "Option::is_none")]
        absent: Option<String>,
        empty: Vec<u8>,
        nested: BTreeMap<String, Vec<&'static str>>,
        #[serde(rename = "a\"quote")]
        quoted: (u8, &'static str),
        digest: String,
    }

    fn streamed<T: Serialize>(value: &T) -> Option<String> {
        let mut out = Vec::new();
        match write_struct(value, &mut out) {
            Ok(true) => Some(String::from_utf8(out).unwrap()),
            Ok(false) => {
                assert!(out.is_empty(), "nothing is written for what is refused");
                None
            }
            Err(e) => panic!("{e}"),
        }
    }

    fn whole() -> Whole {
        let items: Vec<Item> = (0..PARALLEL_RUN * 2 + 5)
            .map(|i| Item {
                zeta: i,
                wide: "w",
                emoji: vec![[("b".to_string(), Some(0.5)), ("a".to_string(), None)].into()],
            })
            .collect();
        Whole {
            schema: 3,
            items,
            absent: None,
            empty: vec![],
            nested: [("k".to_string(), vec!["x", "y"])].into(),
            quoted: (1, "t\tab"),
            digest: String::new(),
        }
    }

    #[test]
    fn a_struct_written_field_by_field_is_the_whole_value_canonical_text() {
        let whole = whole();
        let text = streamed(&whole).expect("a struct is streamed");
        assert_eq!(text, canonical_json(&whole));
        assert!(text.starts_with(r#"{"a\"quote":[1,"t\tab"],"digest":"","empty":[],"items":[{"#));
        assert!(!text.contains("absent"));
        assert!(text.ends_with(r#"],"nested":{"k":["x","y"]},"schema":3}"#));
    }

    #[test]
    fn written_from_a_thread_of_the_pool_it_is_the_same_text() {
        // One thread: a run handed to the pool from its only thread would never be taken.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let whole = whole();
        let text = pool
            .install(|| streamed(&whole))
            .expect("a struct is streamed");
        assert_eq!(text, canonical_json(&whole));
    }

    #[test]
    fn what_is_not_a_struct_is_refused_before_anything_is_written() {
        assert_eq!(streamed(&vec![1, 2]), None);
        assert_eq!(streamed(&serde_json::json!({"a": 1})), None);
        assert_eq!(streamed(&"text"), None);
    }

    #[test]
    fn a_field_json_cannot_hold_fails_the_stream_and_the_digest_is_of_null() {
        #[derive(Serialize)]
        struct Odd {
            fine: Vec<u8>,
            keys: BTreeMap<(u8, u8), u8>,
        }
        let odd = Odd {
            fine: vec![1],
            keys: [((1, 2), 3)].into(),
        };
        assert!(write_struct(&odd, &mut Vec::new()).is_err());
        assert_eq!(canonical_json(&odd), "null");
        assert_eq!(
            crate::report::canonical_sha256(&odd),
            crate::model::id::sha256_hex(b"null")
        );
    }
}
