//! Comparing parameter types as far as a macro can: by their tokens, with
//! the standard library's paths reduced to the names the prelude gives them.
//!
//! A macro sees tokens, not resolved types. `String`, `std::string::String`
//! and `::std::string::String` are recognised as one type, as are `u32` and
//! `core::primitive::u32`. A `type` alias, a `use ... as` rename or a path
//! through the user's own modules (`crate::Qty` vs `Qty`) cannot be resolved
//! here: such types compare as written, so an alias of `String` counts as a
//! different type than `String`.

use quote::ToTokens;
use syn::{GenericArgument, Path, PathArguments, Type};

/// The standard items the prelude names without a path, by the module the
/// standard library defines them in (under `std`, `core` or `alloc`).
const PRELUDE: &[(&str, &str)] = &[
    ("string", "String"),
    ("vec", "Vec"),
    ("boxed", "Box"),
    ("option", "Option"),
    ("result", "Result"),
];

/// The primitive types, also reachable as `core::primitive::NAME`.
const PRIMITIVES: &[&str] = &[
    "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
    "i128", "isize", "f32", "f64",
];

/// The crates a standard path starts with.
const STANDARD_CRATES: &[&str] = &["std", "core", "alloc"];

/// `ty` in a canonical spelling: two types with the same spelling are the
/// same type (the converse holds only without aliases, see the module docs).
pub(crate) fn canonical(ty: &Type) -> String {
    match ty {
        Type::Group(group) => canonical(&group.elem),
        Type::Paren(paren) => canonical(&paren.elem),
        // Lifetimes do not change what a segment parses into.
        Type::Reference(reference) => {
            let mutability = if reference.mutability.is_some() {
                "mut "
            } else {
                ""
            };
            format!("&{mutability}{}", canonical(&reference.elem))
        }
        Type::Path(path) if path.qself.is_none() => canonical_path(&path.path),
        other => other.to_token_stream().to_string(),
    }
}

/// Whether `ty` is `String`, however the path to it is written.
pub(crate) fn is_string(ty: &Type) -> bool {
    canonical(ty) == "String"
}

/// Whether `ty` is certainly a plain value, which no extractor is: a
/// primitive other than `str`, or `String`. The runtime has no extractor
/// of these, and a user's crate cannot add one (the parameter traits and
/// these types are both foreign to it). Any other type might be an
/// extractor, as far as a macro can tell.
pub(crate) fn is_plain_value(ty: &Type) -> bool {
    let name = canonical(ty);
    name == "String" || (name != "str" && PRIMITIVES.contains(&name.as_str()))
}

fn canonical_path(path: &Path) -> String {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    // A standard item by its full path is kept by its last segment only.
    let first = if is_standard_item(&names) {
        names.len() - 1
    } else {
        0
    };
    path.segments
        .iter()
        .skip(first)
        .map(|segment| format!("{}{}", segment.ident, arguments(&segment.arguments)))
        .collect::<Vec<_>>()
        .join("::")
}

/// `std::string::String`, `core::primitive::u32` and the like.
fn is_standard_item(names: &[String]) -> bool {
    let [krate, module, item] = names else {
        return false;
    };
    STANDARD_CRATES.contains(&krate.as_str())
        && (PRELUDE.contains(&(module.as_str(), item.as_str()))
            || (module == "primitive" && PRIMITIVES.contains(&item.as_str())))
}

fn arguments(arguments: &PathArguments) -> String {
    let PathArguments::AngleBracketed(angle) = arguments else {
        return match arguments {
            PathArguments::None => String::new(),
            other => other.to_token_stream().to_string(),
        };
    };
    let args: Vec<String> = angle
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Lifetime(_) => None,
            GenericArgument::Type(ty) => Some(canonical(ty)),
            other => Some(other.to_token_stream().to_string()),
        })
        .collect();
    if args.is_empty() {
        String::new()
    } else {
        format!("<{}>", args.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(ty: &str) -> String {
        canonical(&syn::parse_str(ty).expect("a type"))
    }

    #[test]
    fn standard_paths_are_the_prelude_names() {
        for string in ["String", "std::string::String", "::std::string::String"] {
            assert_eq!(canon(string), "String", "{string}");
        }
        assert_eq!(canon("alloc::string::String"), "String");
        assert_eq!(canon("core::primitive::u32"), "u32");
        assert_eq!(canon("::std::primitive::u32"), "u32");
        assert_eq!(canon("u32"), "u32");
        assert_eq!(canon("std::vec::Vec<std::string::String>"), "Vec<String>");
        assert_eq!(canon("Option<::core::primitive::u8>"), "Option<u8>");
        assert!(is_string(
            &syn::parse_str("(::std::string::String)").expect("a type")
        ));
    }

    #[test]
    fn other_paths_stay_as_written() {
        // Not the prelude's `Result`, although it is named like it.
        assert_eq!(canon("std::fmt::Result"), "std::fmt::Result");
        assert_eq!(canon("core::primitive::Qty"), "core::primitive::Qty");
        assert_eq!(canon("crate::Qty"), "crate::Qty");
        assert_ne!(canon("u32"), canon("u64"));
        // A macro cannot see through an alias: `Word` stays `Word`.
        assert_eq!(canon("Word"), "Word");
    }

    #[test]
    fn plain_values_are_primitives_and_strings() {
        for plain in [
            "u32",
            "::core::primitive::f64",
            "bool",
            "char",
            "std::string::String",
        ] {
            assert!(
                is_plain_value(&syn::parse_str(plain).expect("a type")),
                "{plain}"
            );
        }
        // Extractors, types a macro cannot see through, and what is no value.
        for other in [
            "Text",
            "PhoneNumber",
            "Qty",
            "Option<u32>",
            "&str",
            "str",
            "&mut u32",
        ] {
            assert!(
                !is_plain_value(&syn::parse_str(other).expect("a type")),
                "{other}"
            );
        }
    }

    #[test]
    fn lifetimes_do_not_matter() {
        assert_eq!(canon("&'static str"), canon("&str"));
        assert_eq!(canon("Rest<'a, u32>"), "Rest<u32>");
        assert_ne!(canon("&mut str"), canon("&str"));
    }
}
