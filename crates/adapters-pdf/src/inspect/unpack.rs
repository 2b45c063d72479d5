//! Unpacking an object stream (`/Type /ObjStm`) within a budget, member by member.
//!
//! Every pair of its header (object number, offset) is honoured: each distinct offset starts a member, parsed
//! on its own up to the next one, so overlapping offsets cannot make the same bytes parse many times, and a
//! member that does not parse there makes the stream unreadable instead of disappearing. A viewer picks a
//! member by its index or its number; either way it is one of those parsed here.

use lopdf::{Object, ObjectStream, Stream, dictionary};

use super::load::NODE;

/// No object stream unpacked here may inflate beyond this. One of a few hundred objects takes some dozens of
/// KiB: 4 MiB leaves room for unusual producers and bounds what one small compressed stream can cost.
const MAX_STREAM_INFLATION: usize = 4 * 1024 * 1024;

/// All object streams of a document together inflate to at most this: four streams at the limit above, far
/// more than the structure of any 10 MiB document needs. Only object streams are inflated: content streams,
/// images and fonts stay compressed as they are in the file (lopdf's loader does not inflate them, and they
/// hold no object to inspect).
pub(super) const MAX_OBJECT_STREAMS_INFLATION: usize = 16 * 1024 * 1024;

/// An object stream's header and its members.
#[derive(Debug)]
pub(super) struct Unpacked {
    /// The object numbers its header lists, in order.
    pub numbers: Vec<u32>,
    /// One member per distinct offset.
    pub members: Vec<Object>,
}

/// Unpacks `stream`, taking its inflated size from `inflation`; its members may weigh at most `room`. `None`
/// when it cannot be inflated within the budget, its header or a member cannot be read, or its header lists
/// fewer objects than its `/N` says (a viewer would read members' bytes as header).
pub(super) fn unpack(stream: &Stream, inflation: &mut usize, room: usize) -> Option<Unpacked> {
    let content = stream.decompressed_content_with_limit(MAX_STREAM_INFLATION.min(*inflation)).ok()?;
    *inflation -= content.len();
    let first = usize::try_from(stream.dict.get(b"First").and_then(Object::as_i64).ok()?).ok()?;
    let declared = usize::try_from(stream.dict.get(b"N").and_then(Object::as_i64).ok()?).ok()?;
    let pairs = header(content.get(..first)?)?;
    if pairs.len() < declared {
        return None;
    }
    let body = &content[first..];
    let mut starts: Vec<usize> = pairs.iter().map(|&(_, offset)| offset).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut weight = 0usize;
    let mut members = Vec::with_capacity(starts.len());
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(body.len());
        let member = body.get(start..end)?;
        weight += estimated_weight(member);
        if weight > room || splits_token(member, &body[end..]) {
            return None;
        }
        members.push(parse(member)?);
    }
    Some(Unpacked { numbers: pairs.into_iter().map(|(number, _)| number).collect(), members })
}

/// The (object number, offset) pairs of a header: whole numbers separated by white space, comments allowed as
/// lopdf allows them. Anything else makes it unreadable.
fn header(bytes: &[u8]) -> Option<Vec<(u32, usize)>> {
    let mut numbers = Vec::new();
    for line in bytes.split(|&byte| byte == b'\r' || byte == b'\n') {
        let before_comment = line.split(|&byte| byte == b'%').next().unwrap_or_default();
        for token in before_comment.split(|&byte| white_space(byte)).filter(|token| !token.is_empty()) {
            if !token.iter().all(u8::is_ascii_digit) {
                return None;
            }
            numbers.push(std::str::from_utf8(token).ok()?.parse::<usize>().ok()?);
        }
    }
    if numbers.len() % 2 != 0 {
        return None;
    }
    numbers.chunks_exact(2).map(|pair| Some((u32::try_from(pair[0]).ok()?, pair[1]))).collect()
}

/// Parses a member's bytes with lopdf's own parser: as the single member of an object stream.
fn parse(member: &[u8]) -> Option<Object> {
    let mut content = Vec::with_capacity(member.len() + 4);
    content.extend_from_slice(b"0 0 ");
    content.extend_from_slice(member);
    let single = Stream::new(dictionary! { "N" => 1, "First" => 4 }, content);
    ObjectStream::new_with_limit(&single, None).ok()?.objects.remove(&(0, 0))
}

/// Whether a member's bytes end inside a token that the next member's bytes go on with (`/Java` then `Script`,
/// when a forged offset cuts a name): a viewer reading the first member reads on, so it would not read what
/// was parsed here.
fn splits_token(member: &[u8], rest: &[u8]) -> bool {
    match (member.last(), rest.first()) {
        (Some(&last), Some(&next)) => regular(next) && (regular(last) || last == b'/'),
        _ => false,
    }
}

/// At most what parsing `bytes` can take: a [`NODE`] per token (each object starts one), plus the bytes.
fn estimated_weight(bytes: &[u8]) -> usize {
    let mut tokens = 0usize;
    let mut in_token = false;
    for &byte in bytes {
        if delimiter(byte) {
            tokens += 1;
            in_token = false;
        } else if white_space(byte) {
            in_token = false;
        } else if !in_token {
            tokens += 1;
            in_token = true;
        }
    }
    bytes.len() + tokens * NODE
}

const fn white_space(byte: u8) -> bool {
    matches!(byte, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

const fn delimiter(byte: u8) -> bool {
    matches!(byte, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

const fn regular(byte: u8) -> bool {
    !white_space(byte) && !delimiter(byte)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly

    use super::*;

    fn object_stream(header: &str, body: &str, n: i64) -> Stream {
        let content = format!("{header}{body}");
        Stream::new(dictionary! { "N" => n, "First" => i64::try_from(header.len()).unwrap() }, content.into_bytes())
    }

    fn unpacked(stream: &Stream) -> Option<Unpacked> {
        unpack(stream, &mut MAX_OBJECT_STREAMS_INFLATION.clone(), usize::MAX)
    }

    #[test]
    fn every_listed_member_is_parsed_once_per_offset() {
        let stream = object_stream("5 0 6 12 7 12 % the same offset twice\n", "<< /A 1 >>  [1 2 3]", 3);
        let unpacked = unpacked(&stream).unwrap();
        assert_eq!(unpacked.numbers, vec![5, 6, 7]);
        assert_eq!(unpacked.members.len(), 2);
        assert!(matches!(unpacked.members[1], Object::Array(_)));
    }

    #[test]
    fn an_unreadable_header_or_member_makes_the_stream_unreadable() {
        for (header, body, n) in [
            ("5 0 6 x ", "<< >> << >>", 2),              // not a number
            ("5 0 6 ", "<< >> << >>", 2),                // odd count
            ("5 0 ", "<< >> << >>", 2),                  // fewer pairs than /N
            ("5 0 6 6 ", "<< >> << /A 1 garbage >>", 2), // a member lopdf cannot parse
            ("5 0 6 99 ", "<< >> << >>", 2),             // an offset past the end
            ("5 0 6 5 ", "[1 2 3 ] /JavaScript", 2),     // the first member cut short by the second offset
        ] {
            assert!(unpacked(&object_stream(header, body, n)).is_none(), "{header}{body}");
        }
    }

    #[test]
    fn a_member_cut_inside_a_name_is_refused() {
        // `/Java` then `Script`: a viewer reading member 5 reads `/JavaScript`.
        let stream = object_stream("5 0 6 5 ", "/JavaScript", 2);
        assert!(unpacked(&stream).is_none());
        let clean = object_stream("5 0 6 6 ", "/Name /Other", 2);
        assert_eq!(
            unpacked(&clean).unwrap().members,
            vec![Object::Name(b"Name".to_vec()), Object::Name(b"Other".to_vec())]
        );
    }

    #[test]
    fn the_budgets_are_taken_and_kept() {
        let stream = object_stream("5 0 ", "[0 0 0 0 0 0 0 0]", 1);
        let mut inflation = 1000;
        assert!(unpack(&stream, &mut inflation, usize::MAX).is_some());
        assert_eq!(inflation, 1000 - stream.content.len());
        let mut small = stream.content.len() - 1;
        assert!(unpack(&stream, &mut small, usize::MAX).is_none(), "past the inflation budget");
        assert!(unpack(&stream, &mut 1000, 5 * NODE).is_none(), "past the room for members");
    }
}
