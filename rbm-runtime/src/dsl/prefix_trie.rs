//! Every prefix of a set that begins a text, found in one walk along the
//! text, whatever the size of the set.
//!
//! Prefix routes compare character by character, ignoring case when asked
//! (`ignore_case` compares each character's lowercase form, as
//! `strip_prefix` does), so the trie is keyed by lowercased characters: a
//! text walks one path, which holds every prefix that can begin it, with or
//! without case. A case-sensitive prefix met on that path is then checked
//! verbatim. `aho-corasick` would find the longest prefix, but dispatch needs
//! every one (a route whose parameters do not parse gives way to the next
//! shorter prefix) and Unicode case folding per character, hence this trie.

/// A character's lowercase form (one to three characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Folded {
    chars: [char; 3],
    len: u8,
}

impl Folded {
    fn of(c: char) -> Self {
        // Most texts are ASCII; `to_lowercase` would look the character up
        // in the Unicode tables.
        if c.is_ascii() {
            return Self {
                chars: [c.to_ascii_lowercase(), '\0', '\0'],
                len: 1,
            };
        }
        let mut chars = ['\0'; 3];
        let mut len = 0;
        for (slot, lower) in chars.iter_mut().zip(c.to_lowercase()) {
            *slot = lower;
            len += 1;
        }
        Self { chars, len }
    }
}

/// One prefix stored at the node its last character leads to.
#[derive(Debug)]
struct Entry<T> {
    value: T,
    /// The prefix itself when case matters: the text must start with it.
    verbatim: Option<Box<str>>,
}

#[derive(Debug)]
struct Node<T> {
    /// Sorted by key, for a binary search.
    children: Vec<(Folded, usize)>,
    /// In insertion order.
    entries: Vec<Entry<T>>,
}

impl<T> Node<T> {
    fn new() -> Self {
        Self {
            children: Vec::new(),
            entries: Vec::new(),
        }
    }

    fn child(&self, key: Folded) -> Option<usize> {
        self.children
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()
            .map(|at| self.children[at].1)
    }
}

/// A set of prefixes, each with a value, some compared ignoring case.
#[derive(Debug)]
pub(crate) struct PrefixTrie<T> {
    nodes: Vec<Node<T>>,
}

impl<T> Default for PrefixTrie<T> {
    fn default() -> Self {
        Self {
            nodes: vec![Node::new()],
        }
    }
}

impl<T> PrefixTrie<T> {
    /// Adds `prefix` with its value.
    pub(crate) fn insert(&mut self, prefix: &str, ignore_case: bool, value: T) {
        let mut node = 0;
        for c in prefix.chars() {
            let key = Folded::of(c);
            node = match self.nodes[node].child(key) {
                Some(next) => next,
                None => {
                    let next = self.nodes.len();
                    self.nodes.push(Node::new());
                    let children = &mut self.nodes[node].children;
                    let at = children.partition_point(|(k, _)| *k < key);
                    children.insert(at, (key, next));
                    next
                }
            };
        }
        let verbatim = (!ignore_case).then(|| prefix.into());
        self.nodes[node].entries.push(Entry { value, verbatim });
    }

    /// Whether no prefix was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.len() == 1 && self.nodes[0].entries.is_empty()
    }

    /// The value of every prefix that begins `text`, with the byte offset
    /// in `text` where that prefix ends: longest prefixes first (in
    /// characters), prefixes of one length in insertion order.
    pub(crate) fn matches(&self, text: &str) -> Vec<(usize, &T)> {
        // Only the nodes of the path where a prefix ends, with the offset:
        // usually none or one, so usually no allocation.
        let mut ends = Vec::new();
        if !self.nodes[0].entries.is_empty() {
            ends.push((0, 0));
        }
        let mut node = 0;
        for (at, c) in text.char_indices() {
            let Some(next) = self.nodes[node].child(Folded::of(c)) else {
                break;
            };
            node = next;
            if !self.nodes[next].entries.is_empty() {
                ends.push((next, at + c.len_utf8()));
            }
        }
        ends.iter()
            .rev()
            .flat_map(|&(node, end)| {
                self.nodes[node]
                    .entries
                    .iter()
                    .filter(|entry| {
                        entry
                            .verbatim
                            .as_deref()
                            .is_none_or(|prefix| text.starts_with(prefix))
                    })
                    .map(move |entry| (end, &entry.value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie(prefixes: &[(&str, bool)]) -> PrefixTrie<usize> {
        let mut trie = PrefixTrie::default();
        for (i, (prefix, ignore_case)) in prefixes.iter().enumerate() {
            trie.insert(prefix, *ignore_case, i);
        }
        trie
    }

    fn found(trie: &PrefixTrie<usize>, text: &str) -> Vec<(usize, usize)> {
        trie.matches(text)
            .into_iter()
            .map(|(end, value)| (end, *value))
            .collect()
    }

    #[test]
    fn longest_first_then_insertion_order() {
        let trie = trie(&[("ab", false), ("abc", false), ("AB", true), ("x", false)]);
        assert_eq!(found(&trie, "abcd"), vec![(3, 1), (2, 0), (2, 2)]);
        assert_eq!(found(&trie, "ABc"), vec![(2, 2)]);
        assert_eq!(found(&trie, "a"), vec![]);
        assert_eq!(found(&trie, ""), vec![]);
        assert!(!trie.is_empty());
        assert!(PrefixTrie::<usize>::default().is_empty());
    }

    #[test]
    fn case_is_folded_per_character_like_strip_prefix() {
        let trie = trie(&[("/örder", true), ("İx", true)]);
        assert_eq!(found(&trie, "/ÖRDER 3"), vec![(7, 0)]);
        // `İ` lowercases to two characters: it still stands for one.
        assert_eq!(found(&trie, "i̇x"), vec![]);
        assert_eq!(found(&trie, "İX!"), vec![(3, 1)]);
    }
}
