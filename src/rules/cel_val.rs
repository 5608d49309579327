//! A fact straight into the value tree the CEL interpreter reads.
//!
//! `cel::to_value` builds a `cel::Value` tree, and binding it to a variable
//! converts that whole tree again into `Box<dyn Val>` nodes (cloning every
//! map on the way): two allocations of every node per fact, about 37% of
//! rule evaluation in the profile (docs/performance.md). This serializer
//! builds the `Val` tree in one pass, with the same shapes `cel::to_value`
//! gives (a struct or map is a map keyed by field name, a unit variant its
//! name, a newtype variant a one-entry map, `None` null), so every rule
//! reads a fact exactly as before. Rule inline tests go through it too.

use std::collections::HashMap;
use std::fmt;

use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt,
};
use cel::common::value::Val;
use serde::ser::{self, Serialize};

pub type BoxVal = Box<dyn Val + 'static>;

/// Why a value could not be converted (a map key that is not a string,
/// integer or boolean).
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// A fact's observation as the variable its rules read.
pub fn fact_val(data: &crate::facts::FactData) -> Result<BoxVal, Error> {
    struct Data<'a>(&'a crate::facts::FactData);
    impl Serialize for Data<'_> {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.0.serialize_data(serializer)
        }
    }
    to_val(&Data(data))
}

/// Converts any serialisable value.
pub fn to_val<T: Serialize + ?Sized>(value: &T) -> Result<BoxVal, Error> {
    value.serialize(ValSerializer)
}

fn map_of(entries: HashMap<CelMapKey<'static>, BoxVal>) -> BoxVal {
    Box::new(CelMap::from(entries))
}

fn one_entry(variant: &str, value: BoxVal) -> BoxVal {
    map_of(HashMap::from([(CelMapKey::from(variant.to_string()), value)]))
}

struct ValSerializer;

impl ser::Serializer for ValSerializer {
    type Ok = BoxVal;
    type Error = Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> Result<BoxVal, Error> {
        Ok(Box::new(CelBool::from(v)))
    }
    fn serialize_i8(self, v: i8) -> Result<BoxVal, Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<BoxVal, Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<BoxVal, Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<BoxVal, Error> {
        Ok(Box::new(CelInt::from(v)))
    }
    fn serialize_u8(self, v: u8) -> Result<BoxVal, Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<BoxVal, Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<BoxVal, Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<BoxVal, Error> {
        Ok(Box::new(CelUInt::from(v)))
    }
    fn serialize_f32(self, v: f32) -> Result<BoxVal, Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<BoxVal, Error> {
        Ok(Box::new(CelDouble::from(v)))
    }
    fn serialize_char(self, v: char) -> Result<BoxVal, Error> {
        Ok(Box::new(CelString::from(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result<BoxVal, Error> {
        Ok(Box::new(CelString::from(v.to_string())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<BoxVal, Error> {
        Ok(Box::new(CelBytes::from(v.to_vec())))
    }
    fn serialize_none(self) -> Result<BoxVal, Error> {
        Ok(Box::new(CelNull))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<BoxVal, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<BoxVal, Error> {
        Ok(Box::new(CelNull))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<BoxVal, Error> {
        Ok(Box::new(CelNull))
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<BoxVal, Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<BoxVal, Error> {
        // cel's own wrappers (durations, timestamps) are recognised by name
        // in its serializer: leave those to it.
        if name.starts_with("$__cel") {
            let value = cel::to_value(value).map_err(|e| Error(e.to_string()))?;
            return BoxVal::try_from(value).map_err(|e| Error(format!("{e:?}")));
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<BoxVal, Error> {
        Ok(one_entry(variant, value.serialize(ValSerializer)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, Error> {
        Ok(SeqBuilder { items: Vec::with_capacity(len.unwrap_or(0)), variant: None })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, Error> {
        Ok(SeqBuilder { items: Vec::with_capacity(len), variant: Some(variant) })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, Error> {
        Ok(MapBuilder { entries: HashMap::with_capacity(len.unwrap_or(0)), next_key: None, variant: None })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<MapBuilder, Error> {
        Ok(MapBuilder { entries: HashMap::with_capacity(len), next_key: None, variant: Some(variant) })
    }
}

struct SeqBuilder {
    items: Vec<BoxVal>,
    /// For a tuple variant: the variant the list is wrapped in.
    variant: Option<&'static str>,
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.items.push(value.serialize(ValSerializer)?);
        Ok(())
    }

    fn finish(self) -> BoxVal {
        let list: BoxVal = Box::new(CelList::from(self.items));
        match self.variant {
            Some(v) => one_entry(v, list),
            None => list,
        }
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = BoxVal;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<BoxVal, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = BoxVal;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<BoxVal, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = BoxVal;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<BoxVal, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = BoxVal;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<BoxVal, Error> {
        Ok(self.finish())
    }
}

struct MapBuilder {
    entries: HashMap<CelMapKey<'static>, BoxVal>,
    next_key: Option<CelMapKey<'static>>,
    /// For a struct variant: the variant the map is wrapped in.
    variant: Option<&'static str>,
}

impl MapBuilder {
    fn finish(self) -> BoxVal {
        let map = map_of(self.entries);
        match self.variant {
            Some(v) => one_entry(v, map),
            None => map,
        }
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = BoxVal;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.next_key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.next_key.take().ok_or_else(|| Error("a map value without its key".into()))?;
        self.entries.insert(key, value.serialize(ValSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<BoxVal, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = BoxVal;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), Error> {
        self.entries.insert(CelMapKey::from(name.to_string()), value.serialize(ValSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<BoxVal, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for MapBuilder {
    type Ok = BoxVal;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, name, value)
    }
    fn end(self) -> Result<BoxVal, Error> {
        Ok(self.finish())
    }
}

/// Map keys, as cel's serializer allows them: strings (and unit variants),
/// integers, booleans.
struct KeySerializer;

fn key_error() -> Error {
    Error("map keys must be strings, integers or booleans".into())
}

impl ser::Serializer for KeySerializer {
    type Ok = CelMapKey<'static>;
    type Error = Error;
    type SerializeSeq = ser::Impossible<CelMapKey<'static>, Error>;
    type SerializeTuple = ser::Impossible<CelMapKey<'static>, Error>;
    type SerializeTupleStruct = ser::Impossible<CelMapKey<'static>, Error>;
    type SerializeTupleVariant = ser::Impossible<CelMapKey<'static>, Error>;
    type SerializeMap = ser::Impossible<CelMapKey<'static>, Error>;
    type SerializeStruct = ser::Impossible<CelMapKey<'static>, Error>;
    type SerializeStructVariant = ser::Impossible<CelMapKey<'static>, Error>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(i64::from(v)))
    }
    fn serialize_i16(self, v: i16) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(i64::from(v)))
    }
    fn serialize_i32(self, v: i32) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(i64::from(v)))
    }
    fn serialize_i64(self, v: i64) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(u64::from(v)))
    }
    fn serialize_u16(self, v: u16) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(u64::from(v)))
    }
    fn serialize_u32(self, v: u32) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(u64::from(v)))
    }
    fn serialize_u64(self, v: u64) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(v))
    }
    fn serialize_f32(self, _v: f32) -> Result<Self::Ok, Error> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Result<Self::Ok, Error> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, Error> {
        Ok(CelMapKey::from(v.to_string()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Self::Ok, Error> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<Self::Ok, Error> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok, Error> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Self::Ok, Error> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Self::Ok, Error> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_error())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_error())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::sync::Arc;

    /// Evaluates `expr` with `x` bound once through cel's own conversion and
    /// once through this one: both must give the same answer.
    fn both<T: Serialize>(x: &T, expr: &str) -> (cel::Value, cel::Value) {
        let env = Arc::new(cel::Env::stdlib());
        let program = env.compile(expr).expect("compiles");
        let mut a = cel::Context::with_env(env.clone());
        a.add_variable_from_value("x", cel::to_value(x).expect("cel converts"));
        let mut b = cel::Context::with_env(env);
        b.add_variable_as_val("x", to_val(x).expect("converts"));
        (program.execute(&a).expect("runs"), program.execute(&b).expect("runs"))
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        New(u32),
        Tuple(i8, String),
        Named { side: f64 },
    }

    #[derive(Serialize)]
    struct Sample {
        name: String,
        count: u64,
        delta: i32,
        ratio: f32,
        on: bool,
        missing: Option<String>,
        tags: Vec<String>,
        labels: std::collections::BTreeMap<String, String>,
        by_port: std::collections::BTreeMap<u16, bool>,
        shapes: Vec<Shape>,
    }

    #[test]
    fn shapes_read_as_cel_to_value_gives_them() {
        let sample = Sample {
            name: "web".into(),
            count: 3,
            delta: -2,
            ratio: 0.5,
            on: true,
            missing: None,
            tags: vec!["a".into(), "b".into()],
            labels: [("team".to_string(), "core".to_string())].into(),
            by_port: [(443, true)].into(),
            shapes: vec![Shape::Unit, Shape::New(7), Shape::Tuple(-1, "t".into()), Shape::Named { side: 2.0 }],
        };
        for expr in [
            "x.name == 'web' && x.count == 3u && x.delta == -2 && x.ratio == 0.5 && x.on",
            "x.missing == null && !has(x.absent)",
            "x.tags == ['a', 'b'] && size(x.tags) == 2",
            "x.labels.team == 'core' && 'team' in x.labels",
            "x.by_port[443u]",
            "x.shapes[0] == 'Unit' && x.shapes[1].New == 7u",
            "x.shapes[2].Tuple == [-1, 't'] && x.shapes[3].Named.side == 2.0",
            "x.shapes.exists(s, s == 'Unit')",
            "x",
        ] {
            let (a, b) = both(&sample, expr);
            assert_eq!(a, b, "{expr}");
        }
        let (a, _) = both(&sample, "x.shapes[3].Named.side == 2.0 && x.by_port[443u]");
        assert_eq!(a, cel::Value::Bool(true));
    }

    #[test]
    fn a_map_with_a_list_key_is_an_error_not_a_panic() {
        let odd: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(to_val(&odd).is_err());
    }
}
