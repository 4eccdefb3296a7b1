//! The request reader and writer against the reference reader.

use std::path::Path;

use serde_json::Value;

use super::shape::{detect_dialect, validate_context, validate_items};
use super::*;

const V05: &str = r##"[{"root":"/tmp/book","config":{"book":{"title":"T","authors":[],"description":null,"language":"zh-CN","text-direction":null},"preprocessor":{"kpi":{"locale":"en","rules":{"style/jargon":"off"}}}},"renderer":"html","mdbook_version":"0.5.4"},{"items":[{"Chapter":{"name":"Intro","content":"# Intro\n","number":null,"sub_items":[],"path":"README.md","source_path":"README.md","parent_names":[]}},{"PartTitle":"Part one"},{"Chapter":{"name":"Chapter 1","content":"# Ch1 1.5 ñ\n","number":[1],"sub_items":[{"Chapter":{"name":"Sub","content":"# Sub\n","number":[1,1],"sub_items":[],"path":"sub/s.md","source_path":"sub/s.md","parent_names":["Chapter 1"]}},{"Chapter":{"name":"Draft","content":"","number":[1,2],"sub_items":[],"path":null,"source_path":null,"parent_names":["Chapter 1"]}}],"path":"ch1.md","source_path":"ch1.md","parent_names":[]}},"Separator",{"Chapter":{"name":"Chapter 2","content":"# Ch2\n","number":[2],"sub_items":[],"path":"ch2.md","source_path":"ch2.md","parent_names":[]}}]}]"##;

const V04: &str = r##"[{"root":"/tmp/book","config":{"book":{"authors":[],"language":"en","src":"src","title":"Cap"},"preprocessor":{"kpi":{}}},"renderer":"markdown","mdbook_version":"0.4.52"},{"sections":[{"Chapter":{"name":"Intro","content":"# Intro\n","number":null,"sub_items":[],"path":"README.md","source_path":"README.md","parent_names":[]}},{"PartTitle":"Part one"},{"Chapter":{"name":"Chapter 1","content":"x 1.50 1e400","number":[1],"sub_items":[{"Chapter":{"name":"Sub","content":"# Sub\n","number":[1,1],"sub_items":[],"path":"sub/s.md","source_path":"sub/s.md","parent_names":["Chapter 1"]}}],"path":"ch1.md","source_path":"ch1.md","parent_names":[]}},"Separator"],"__non_exhaustive":null}]"##;

const CONTEXT: &str = r#"{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}"#;

/// Element 1 of a request, as the text it is in the request.
fn element_1_text(input: &str) -> &str {
    let request: Value = serde_json::from_str(input).unwrap();
    let context = serde_json::to_string(&request[0]).unwrap();
    let after = &input[input.find(&context).unwrap() + context.len()..];
    after.trim_start().strip_prefix(',').unwrap().trim().strip_suffix(']').unwrap().trim_end()
}

/// The reader this module had before it located chapters: a `Value`, then the shape checks. The located
/// reader must accept and refuse the same inputs, with the same messages.
type Chapters = Vec<(String, Option<String>, usize, String)>;

fn reference(input: &[u8]) -> Result<(Value, Chapters), String> {
    let input = input.strip_prefix(BOM).unwrap_or(input);
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err("stdin is empty; expected mdBook's `[context, book]` JSON".into());
    }
    let value: Value = serde_json::from_slice(input).map_err(|e| format!("stdin is not valid JSON: {e}"))?;
    let Value::Array(elements) = value else { return Err("not an array".into()) };
    let [context, book]: [Value; 2] = elements.try_into().map_err(|_| "not two elements".to_string())?;
    validate_context(&context).map_err(|e| e.message)?;
    let dialect = detect_dialect(&book).map_err(|e| e.message)?;
    validate_items(&book[dialect.items_key()], dialect.items_key(), 0).map_err(|e| e.message)?;
    let mut chapters = Vec::new();
    let mut stack = vec![(book[dialect.items_key()].as_array().unwrap().iter(), 0)];
    while let Some((top, depth)) = stack.last_mut() {
        let depth = *depth;
        let Some(item) = top.next() else {
            stack.pop();
            continue;
        };
        if let Some(chapter) = item.get("Chapter") {
            let source_path = chapter["source_path"].as_str().map(str::to_string);
            let (name, content) = (chapter["name"].as_str().unwrap(), chapter["content"].as_str().unwrap());
            chapters.push((name.to_string(), source_path, depth, content.to_string()));
            if let Some(Value::Array(sub_items)) = chapter.get("sub_items") {
                stack.push((sub_items.iter(), depth + 1));
            }
        }
    }
    Ok((book, chapters))
}

/// The request read both ways: the same chapters and book, or the same error.
fn assert_same_as_reference(input: &[u8]) {
    let expected = reference(input);
    match (Request::parse(input), expected) {
        (Ok(request), Ok((book, chapters))) => {
            let read: Vec<_> = request
                .chapters()
                .iter()
                .map(|c| {
                    let content = request.content(c.index).into_owned();
                    (c.name.to_string(), c.source_path.map(str::to_string), c.depth, content)
                })
                .collect();
            assert_eq!(read, chapters, "{}", String::from_utf8_lossy(input));
            assert_eq!(request.book(), book, "{}", String::from_utf8_lossy(input));
        }
        (Err(error), Err(message)) if message == "not an array" || message == "not two elements" => {
            assert!(error.message.starts_with("expected"), "{}", error.message);
        }
        (Err(error), Err(message)) => assert_eq!(error.message, message),
        (got, expected) => {
            panic!("{}: got {:?}, the reference {:?}", String::from_utf8_lossy(input), got.is_ok(), expected)
        }
    }
}

#[test]
fn reads_the_05_dialect() {
    let request = Request::parse(V05.as_bytes()).unwrap();
    assert_eq!(request.dialect(), Dialect::V05);
    assert_eq!(request.root(), Path::new("/tmp/book"));
    assert_eq!(request.renderer(), "html");
    assert_eq!(request.mdbook_version(), "0.5.4");
    assert_eq!(request.book_language(), Some("zh-CN"));
    assert_eq!(request.kpi_table().unwrap()["locale"], "en");
    assert_eq!(request.version_warning(), None);
    let chapters = request.chapters();
    let summary: Vec<_> = chapters.iter().map(|c| (c.index, c.name, c.source_path, c.depth)).collect();
    assert_eq!(
        summary,
        [
            (0, "Intro", Some("README.md"), 0),
            (1, "Chapter 1", Some("ch1.md"), 0),
            (2, "Sub", Some("sub/s.md"), 1),
            (3, "Draft", None, 1),
            (4, "Chapter 2", Some("ch2.md"), 0),
        ]
    );
    assert_eq!(request.content(1), "# Ch1 1.5 ñ\n");
    assert_eq!(request.content(3), "");
    assert_eq!(request.content(99), "", "an index past the last chapter has no content");
    assert_same_as_reference(V05.as_bytes());
}

#[test]
fn reads_the_04_dialect() {
    let request = Request::parse(V04.as_bytes()).unwrap();
    assert_eq!(request.dialect(), Dialect::V04);
    assert_eq!(request.book_language(), Some("en"));
    assert!(request.kpi_table().unwrap().is_empty());
    assert_eq!(request.chapter_count(), 3);
    assert_eq!(request.content(1), "x 1.50 1e400");
    assert_same_as_reference(V04.as_bytes());
}

#[test]
fn unchanged_book_comes_back_as_its_own_bytes() {
    for input in [V05, V04] {
        let request = Request::parse(input.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(request.into_output()).unwrap(), element_1_text(input));
    }
    // Escapes a serializer would write differently, numbers it would rewrite, and whitespace all stay.
    let input = format!(
        "[ {CONTEXT} ,\n  {{ \"items\" : [ {{\"Chapter\":{{\"name\":\"a\\/b\",\"content\":\"x \\/ \\u00e9 \
         \\ud83d\\udca1\\r\\n\",\"number\":[1.0,1e-7,-0.0],\"sub_items\":[],\"path\":null}}}} ],\n  \"x\": \
         18446744073709551615 }}\n]\n"
    );
    let request = Request::parse(input.as_bytes()).unwrap();
    assert_eq!(request.content(0), "x / é 💡\r\n");
    assert_eq!(request.chapters()[0].name, "a/b");
    let output = String::from_utf8(request.into_output()).unwrap();
    assert_eq!(output, element_1_text(&input));
}

#[test]
fn only_changed_contents_are_rewritten() {
    for input in [V05, V04] {
        let mut request = Request::parse(input.as_bytes()).unwrap();
        let sub = request.chapters().iter().find(|c| c.source_path == Some("sub/s.md")).unwrap().index;
        request.set_content(sub, format!("{}added \"q\" \\ 営\u{1}", request.content(sub)));
        assert_eq!(request.content(sub), "# Sub\nadded \"q\" \\ 営\u{1}");
        let output = String::from_utf8(request.into_output()).unwrap();
        let expected = element_1_text(input).replace(r##""# Sub\n""##, r##""# Sub\nadded \"q\" \\ 営\u0001""##);
        assert_eq!(output, expected);
    }
}

#[test]
fn texts_take_the_place_of_their_literals() {
    for input in [V05, V04] {
        let mut request = Request::parse(input.as_bytes()).unwrap();
        let before: Vec<String> = (0..request.chapter_count()).map(|i| request.content(i).into_owned()).collect();
        request.unescape_contents(Contents::All);
        assert_eq!(request.input.len(), input.len(), "no memory besides the input");
        assert!(request.texts.iter().flatten().all(|text| matches!(text, Unescaped::InPlace(_))));
        assert!(request.texts.iter().flatten().count() >= 2, "the chapters with escapes");
        let after: Vec<String> = (0..request.chapter_count()).map(|i| request.content(i).into_owned()).collect();
        assert_eq!(after, before);
        assert!(matches!(request.content(0), Cow::Borrowed(_)), "the check borrows the owned texts");
        assert_eq!(String::from_utf8(request.clone().into_output()).unwrap(), element_1_text(input));
        for (index, text) in request.texts_mut() {
            if index == 2 {
                text.push_str("<b>\"é\"</b>");
            }
        }
        let output = String::from_utf8(request.into_output()).unwrap();
        let expected = element_1_text(input).replace(r##""# Sub\n""##, r##""# Sub\n<b>\"é\"</b>""##);
        assert_eq!(output, expected);
    }
}

#[test]
fn literals_escaped_unlike_serde_json_stay_until_they_change() {
    let input = format!(
        r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"\u003c<#kpi x>> \/"}}}},{{"Chapter":{{"name":"b","content":"<<#kpi y>>\n"}}}},{{"Chapter":{{"name":"c","content":"\/ no marker"}}}}]}}]"#
    );
    let mut request = Request::parse(input.as_bytes()).unwrap();
    request.unescape_contents(Contents::WithDirectives);
    let owned: Vec<usize> = request.texts_mut().into_iter().map(|(index, _)| index).collect();
    assert_eq!(owned, [0, 1], "only chapters that may hold a directive are unescaped");
    assert_eq!(String::from_utf8(request.clone().into_output()).unwrap(), element_1_text(&input));
    request.unescape_contents(Contents::All);
    assert_eq!(String::from_utf8(request.clone().into_output()).unwrap(), element_1_text(&input));
    for (_, text) in request.texts_mut() {
        *text = text.replace("<<#kpi x>>", "X").replace("<<#kpi y>>", "Y");
    }
    let output = String::from_utf8(request.into_output()).unwrap();
    let expected = element_1_text(&input).replace(r#""\u003c<#kpi x>> \/""#, r#""X /""#).replace("<<#kpi y>>", "Y");
    assert_eq!(output, expected);
}

/// A panic while changing a chapter reaches the caller, on any number of threads: no chapter is left
/// unchanged in silence.
#[test]
fn a_panic_while_changing_reaches_the_caller() {
    let input = format!(
        r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"<<#kpi x>>"}}}},{{"Chapter":{{"name":"b","content":"<<#kpi y>>"}}}}]}}]"#
    );
    for threads in [1, 2, 8] {
        let mut request = Request::parse(input.as_bytes()).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            request.change_contents(
                Contents::WithDirectives,
                threads,
                || (),
                |_, index, _| {
                    assert!(index != 1, "chapter b fails");
                    Vec::new()
                },
            )
        }));
        assert!(outcome.is_err(), "on {threads} threads");
    }
}

#[test]
fn changes_are_made_inside_the_literals_on_every_thread() {
    use crate::splice::Splice;
    let input = format!(
        r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"\u003c<#kpi x>> \/ \ud83d\udca1 <<#kpi y>>\n"}}}},{{"Chapter":{{"name":"b","content":"<<#kpi y>>"}}}},{{"Chapter":{{"name":"c","content":"\/ no marker"}}}},{{"Chapter":{{"name":"d","content":"<<#kpi z>>"}}}}]}}]"#
    );
    // Each directive becomes its letter in capitals, quoted; `z` is left alone.
    let change = |seen: &mut Vec<usize>, index: usize, text: &str| -> Vec<Splice> {
        seen.push(index);
        text.match_indices("<<#kpi ")
            .filter(|(at, _)| !text[at + 7..].starts_with('z'))
            .map(|(at, _)| Splice::new(at..at + 10, format!("\"{}\"", text[at + 7..at + 8].to_uppercase()).into()))
            .collect()
    };
    for threads in [1, 2, 3, 8] {
        let mut request = Request::parse(input.as_bytes()).unwrap();
        let states = request.change_contents(Contents::WithDirectives, threads, Vec::new, change);
        let mut seen: Vec<usize> = states.into_iter().flatten().collect();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 3], "each chapter with a marker once, on {threads} threads");
        assert_eq!(request.content(0), "\"X\" / 💡 \"Y\"\n");
        assert_eq!(request.content(2), "/ no marker");
        // The texts as they came in, under the splices.
        assert_eq!(request.original_content(0), "<<#kpi x>> / 💡 <<#kpi y>>\n");
        assert_eq!(request.original_content(1), "<<#kpi y>>");
        assert_eq!(request.original_content(2), "/ no marker");
        let expected = element_1_text(&input)
            .replace(r#""\u003c<#kpi x>> \/ \ud83d\udca1 <<#kpi y>>\n""#, r#""\"X\" \/ \ud83d\udca1 \"Y\"\n""#)
            .replace(r#""<<#kpi y>>""#, r#""\"Y\"""#);
        assert_eq!(String::from_utf8(request.clone().into_output()).unwrap(), expected);
        // Work that needs every text owned takes the changed texts along.
        request.unescape_contents(Contents::All);
        assert_eq!(request.content(0), "\"X\" / 💡 \"Y\"\n");
        let book = request.book();
        assert_eq!(book["items"][1]["Chapter"]["content"], "\"Y\"");
        assert_eq!(book["items"][3]["Chapter"]["content"], "<<#kpi z>>");
    }
}

#[test]
fn keys_in_any_order_keep_book_order() {
    // Sub-items before the content: the parent is still first in book order, and both contents are
    // replaced in place.
    let input = format!(
        r#"[{CONTEXT},{{"items":[{{"Chapter":{{"sub_items":[{{"Chapter":{{"content":"child","name":"c"}}}}],"name":"p","content":"parent"}}}}]}}]"#
    );
    let mut request = Request::parse(input.as_bytes()).unwrap();
    let names: Vec<_> = request.chapters().iter().map(|c| (c.name, c.depth)).collect();
    assert_eq!(names, [("p", 0), ("c", 1)]);
    request.set_content(0, "P".into());
    request.set_content(1, "C".into());
    request.set_content(1, "C2".into());
    let output = String::from_utf8(request.into_output()).unwrap();
    assert_eq!(output, element_1_text(&input).replace("child", "C2").replace("parent", "P"));
}

#[test]
fn finds_the_chapters_that_may_hold_directives() {
    let contents = [
        (r#""plain""#, false, "plain"),
        (r#""a <<#kpi revenue fy>>\n""#, true, "a <<#kpi revenue fy>>\n"),
        (r#""\u003c<#kpi revenue fy>>""#, true, "<<#kpi revenue fy>>"),
        (r#""a \\<<#kpi b>>""#, true, "a \\<<#kpi b>>"),
        (r#""\\u003c<#kpi""#, true, "\\u003c<#kpi"),
        (r#""<< # kpi \/""#, false, "<< # kpi /"),
    ];
    for (literal, may, text) in contents {
        let input = format!(r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":{literal}}}}}]}}]"#);
        let request = Request::parse(input.as_bytes()).unwrap();
        assert_eq!(request.may_have_directives(0), may, "{literal}");
        assert_eq!(request.content(0), text, "{literal}");
        assert!(matches!(request.content(0), Cow::Borrowed(_)) == !literal.contains('\\'), "{literal}");
    }
}

#[test]
fn skips_a_byte_order_mark() {
    let input = format!("\u{feff}{V05}");
    let request = Request::parse(input.as_bytes()).unwrap();
    assert_eq!(String::from_utf8(request.into_output()).unwrap(), element_1_text(V05));
    let mut request = Request::parse(input.into_bytes()).unwrap();
    request.set_content(0, "new".into());
    assert!(String::from_utf8(request.into_output()).unwrap().contains(r#""content":"new""#));
}

#[test]
fn malformed_input_is_an_error() {
    let cases = [
        ("", "empty"),
        ("  \n", "empty"),
        ("{", "not valid JSON"),
        ("{}", "JSON array"),
        ("[1]", "2 elements"),
        (r#"[1, {}]"#, "context"),
        (r#"[{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}, {"chapters":[]}]"#, "unknown book"),
        (r#"[{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}, {"items":{}}]"#, "array"),
        (r#"[{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}, {"items":[7]}]"#, "items[0]"),
        (
            r#"[{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}, {"items":[{"Chapter":{"name":"a","content":3}}]}]"#,
            "content must be a string",
        ),
        (r#"[{"renderer":"html","mdbook_version":"0.5.4","config":{}}, {"items":[]}]"#, "root"),
    ];
    for (input, expected) in cases {
        let error = Request::parse(input.as_bytes()).unwrap_err();
        assert!(error.message.contains(expected), "{input}: {}", error.message);
        assert_same_as_reference(input.as_bytes());
    }
    assert!(Request::parse(&b"\xff\xfe"[..]).is_err());
}

/// What serde_json skips without checking when it only steps over a value: the located reader must still
/// refuse it as a `Value` does, wherever it is.
#[test]
fn refuses_what_a_value_refuses() {
    let chapter = |extra: &str, content: &str| {
        format!(r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":{content}{extra}}}}}]}}]"#)
    };
    let deep = |depth: usize| format!(",\"x\":{}1{}", "[".repeat(depth), "]".repeat(depth));
    let cases = [
        chapter(r#","x":1e400"#, r#""a""#),
        chapter(r#","x":-1e400"#, r#""a""#),
        chapter(r#","x":"\ud800""#, r#""a""#),
        chapter(r#","x":"\udc00\ud800""#, r#""a""#),
        chapter("", r#""lone \ud800 surrogate""#),
        chapter("", r#""\ud83d\udca1 pair""#),
        chapter("", "\"tab\tinside\""),
        chapter("", r#""bad \x escape""#),
        chapter(&deep(120), r#""a""#),
        chapter(&deep(123), r#""a""#),
        chapter(&deep(124), r#""a""#),
        chapter(&deep(125), r#""a""#),
        chapter(r#","x":{"k":1,"k":2}"#, r#""a""#),
        chapter(r#","name":"b""#, r#""a""#),
        chapter(r#","content":"<<#kpi b>>""#, r#""a""#),
        format!(r#"[{CONTEXT},{{"items":[{{"PartTitle":"p","PartTitle":"q"}}],"items":[]}}]"#),
        format!(r#"[{CONTEXT},{{"items":[{{"PartTitle":"p","Chapter":{{}}}}]}}]"#),
        format!(r#"[{CONTEXT},{{"items":[{{"PartTitle":1}}]}}]"#),
        format!(r#"[{CONTEXT},{{"items":["Separator","separator"]}}]"#),
        format!(r#"[{CONTEXT},{{"items":[],"sections":[]}}]"#),
        format!(r#"[{CONTEXT},{{"items":[]}}] x"#),
        format!(r#"[{CONTEXT},{{"items":[]}},]"#),
        format!(r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"b","source_path":7}}}}]}}]"#),
        format!(r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"b","sub_items":{{}}}}}}]}}]"#),
        format!(r#"[{CONTEXT},{{"it\u0065ms":[{{"Chapter":{{"n\u0061me":"a","content":"b"}}}}]}}]"#),
        format!(
            r#"[{{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}},{{"items":[]}}]"#,
            deep(126).replace(",\"x\":", "")
        ),
    ];
    for case in cases {
        assert_same_as_reference(case.as_bytes());
    }
}

#[test]
fn duplicate_keys_count_as_a_value_counts_them() {
    // The last one wins, as in a `Value`; the answer is then the normal form.
    let input = format!(
        r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"old","content":"<<#kpi b>>","number":1}}}}]}}]"#
    );
    let request = Request::parse(input.as_bytes()).unwrap();
    assert_eq!(request.content(0), "<<#kpi b>>");
    assert!(request.may_have_directives(0));
    assert_eq!(
        String::from_utf8(request.into_output()).unwrap(),
        r#"{"items":[{"Chapter":{"name":"a","content":"<<#kpi b>>","number":1}}]}"#
    );
}

#[test]
fn warns_outside_the_supported_range() {
    assert_eq!(version_warning("0.4.52"), None);
    assert_eq!(version_warning("0.5.0-alpha.1"), None);
    assert!(version_warning("0.3.7").unwrap().contains("0.3.7"));
    assert!(version_warning("0.6.0").unwrap().contains("carrying on"));
    assert!(version_warning("banana").unwrap().contains("not a semver"));
}

#[test]
fn deep_nesting_is_visited_in_order() {
    // A chapter at nesting level L sits at JSON depth 5 + 3L; serde_json (and mdBook) stop at 127.
    let book = |levels: usize| {
        let mut chapter = serde_json::json!({"name": "leaf", "content": "x", "sub_items": []});
        for depth in (0..levels).rev() {
            chapter =
                serde_json::json!({"name": format!("c{depth}"), "content": "", "sub_items": [{"Chapter": chapter}]});
        }
        serde_json::json!({"items": [{"Chapter": chapter}]})
    };
    let context = serde_json::json!({"root": "/", "renderer": "html", "mdbook_version": "0.5.4", "config": {}});
    let request = Request::from_parts(context.clone(), book(40)).unwrap();
    let depths: Vec<usize> = request.chapters().iter().map(|c| c.depth).collect();
    assert_eq!(depths, (0..=40).collect::<Vec<_>>());
    let error = Request::from_parts(context.clone(), book(41)).unwrap_err();
    assert!(error.message.contains("128 levels"), "{}", error.message);
    for levels in [40, 41] {
        assert_same_as_reference(&serde_json::to_vec(&serde_json::json!([context, book(levels)])).unwrap());
    }
}

/// Bits of JSON that keep a request valid, or break it in the ways the readers must agree on.
const SPLICES: &[&str] = &[
    r#","x":1"#,
    r#","x":1e400"#,
    r#","x":"\ud800""#,
    r#","name":"n""#,
    r#","content":"<<#kpi a>>""#,
    r#","source_path":null"#,
    r#","sub_items":[]"#,
    r#","sub_items":[{"Chapter":{"name":"s","content":"c"}}]"#,
    r#"{"PartTitle":"p"},"#,
    r#""Separator","#,
    r#"{"Chapter":{"name":"s","content":"c"}},"#,
    r#"[[[[["#,
    "]",
    "}",
    " ",
    "\\u003c",
    "\"",
    ",",
    "null",
];

proptest::proptest! {
    /// Checking UTF-8 in two halves agrees with std's check of the whole, wherever the middle falls (bytes
    /// around and inside multi-byte characters, and invalid ones).
    #[test]
    fn utf8_checked_in_halves_is_utf8_checked_whole(
        pieces in proptest::collection::vec(proptest::sample::select(vec![
            &b"a"[..], b"\n", "营".as_bytes(), "€".as_bytes(), "😀".as_bytes(), b"\xe8", b"\x80", b"\xff", b"\xf0\x9f",
        ]), 0..40),
        halves_from in 0usize..8,
    ) {
        let bytes: Vec<u8> = pieces.concat();
        let halves = super::utf8_in_halves(&bytes, halves_from);
        proptest::prop_assert_eq!(halves, std::str::from_utf8(&bytes).ok());
    }
}

proptest::proptest! {
    /// Escaping the book in batches on several threads writes what writing it piece after piece writes: texts
    /// unescaped in place, texts set whole, splices inside literals, chapters left alone.
    #[test]
    fn the_book_written_in_batches_is_the_book_written_in_order(
        contents in proptest::collection::vec("[a-z\"\\\n\t\u{1}é中]{0,40}", 1..12),
        changes in proptest::collection::vec(0..3usize, 12),
        in_place in proptest::bool::ANY,
        batch in 1..64usize,
        threads in 2..5usize,
    ) {
        let chapters: Vec<Value> = contents
            .iter()
            .enumerate()
            .map(|(i, content)| serde_json::json!({"Chapter": {"name": format!("c{i}"), "content": content, "sub_items": [], "path": null, "source_path": "a.md", "parent_names": []}}))
            .collect();
        let input = serde_json::json!([{"root": "/", "renderer": "html", "mdbook_version": "0.5.4", "config": {}}, {"items": chapters}]);
        let text = serde_json::to_string(&input).unwrap();
        let mut request = Request::parse(text.as_bytes()).unwrap();
        if in_place {
            request.unescape_contents(Contents::All);
        }
        let splices = |i: usize, text: &str| match changes[i] {
            1 => vec![crate::splice::Splice::new(0..text.chars().next().map_or(0, char::len_utf8), "<\"new\">\n".into())],
            _ => Vec::new(),
        };
        request.change_contents(Contents::All, 1, || (), |(), i, text| splices(i, text));
        for (i, change) in changes.iter().enumerate().take(request.chapter_count()) {
            if *change == 2 {
                let text = format!("{}\u{2}\\set", request.content(i));
                request.set_content(i, text);
            }
        }
        let mut in_order = Vec::new();
        request.write_book_in_order(&mut in_order).unwrap();
        let mut in_batches = Vec::new();
        request.write_book_in_batches(&mut in_batches, batch, threads).unwrap();
        proptest::prop_assert!(in_batches == in_order, "{}\n{}", String::from_utf8_lossy(&in_batches), String::from_utf8_lossy(&in_order));
    }

    #[test]
    fn never_panics_on_any_input(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let _ = Request::parse(&bytes[..]);
    }

    #[test]
    fn reads_spliced_requests_as_the_reference_does(
        old in proptest::bool::ANY,
        at in 0..1000usize,
        splice in proptest::sample::select(SPLICES),
        cut in 0..3usize,
    ) {
        let base = if old { V04 } else { V05 };
        let mut at = at % base.len();
        while !base.is_char_boundary(at) {
            at -= 1;
        }
        let rest = base[at..].char_indices().nth(cut).map_or("", |(i, _)| &base[at + i..]);
        let input = format!("{}{splice}{rest}", &base[..at]);
        assert_same_as_reference(input.as_bytes());
    }

    #[test]
    fn any_content_round_trips(contents in proptest::collection::vec(".*", 0..6), nested in proptest::bool::ANY) {
        let chapters: Vec<Value> = contents
            .iter()
            .enumerate()
            .map(|(i, content)| {
                let sub = if nested { serde_json::json!([{"Chapter": {"name": "s", "content": content, "sub_items": []}}]) } else { serde_json::json!([]) };
                serde_json::json!({"Chapter": {"name": format!("c{i}"), "content": content, "number": [i, 1.5e300], "sub_items": sub, "path": null, "source_path": "a.md", "parent_names": []}})
            })
            .collect();
        let input = serde_json::json!([
            {"root": "/", "renderer": "html", "mdbook_version": "0.4.40", "config": {"book": {"x": null}}},
            {"sections": chapters, "__non_exhaustive": null}
        ]);
        let text = serde_json::to_string(&input).unwrap();
        let mut request = Request::parse(text.as_bytes()).unwrap();
        let expected_chapters = contents.len() * if nested { 2 } else { 1 };
        proptest::prop_assert_eq!(request.chapter_count(), expected_chapters);
        for chapter in 0..request.chapter_count() {
            let parent = if nested { chapter / 2 } else { chapter };
            proptest::prop_assert_eq!(request.content(chapter), contents[parent].as_str());
        }
        proptest::prop_assert_eq!(request.clone().into_output(), serde_json::to_vec(&input[1]).unwrap());
        if nested {
            request.unescape_contents(Contents::All);
            proptest::prop_assert_eq!(request.clone().into_output(), serde_json::to_vec(&input[1]).unwrap());
        }
        // Changed contents are escaped as serde_json escapes them.
        let mut expected = input.clone();
        for chapter in 0..request.chapter_count() {
            request.set_content(chapter, format!("{chapter}{}", request.content(chapter)));
        }
        for (i, item) in expected[1]["sections"].as_array_mut().unwrap().iter_mut().enumerate() {
            let chapter = &mut item["Chapter"];
            let first = if nested { 2 * i } else { i };
            chapter["content"] = Value::String(format!("{first}{}", contents[i]));
            if nested {
                chapter["sub_items"][0]["Chapter"]["content"] = Value::String(format!("{}{}", first + 1, contents[i]));
            }
        }
        proptest::prop_assert_eq!(request.into_output(), serde_json::to_vec(&expected[1]).unwrap());
    }
}
