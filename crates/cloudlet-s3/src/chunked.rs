//! The `aws-chunked` upload encoding (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`,
//! `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, …): `hex-size[;chunk-signature=…]\r\n data \r\n`
//! repeated, a zero-size chunk, optional trailers (`x-amz-checksum-crc32:…`), and a blank
//! line. Decoded incrementally, frame by frame, in constant memory. As on S3, every chunk
//! but the last holds at least [`MIN_CHUNK`] bytes. Chunk signatures are checked by the
//! edge under `--strict-auth`, not here.

/// Longest chunk-header or trailer line accepted.
const MAX_LINE: usize = 8 * 1024;

/// The least a chunk other than the last may hold: S3 refuses smaller ones.
pub const MIN_CHUNK: u64 = 8192;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading a `size;ext` line.
    Header,
    /// Copying this many more data bytes.
    Data(u64),
    /// Expecting the `\r\n` after a chunk's data.
    DataEnd,
    /// Reading trailer lines until a blank one.
    Trailers,
    Done,
}

/// Why a body is not valid `aws-chunked`.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// The framing is broken (S3: `IncompleteBody`).
    #[error("malformed aws-chunked body: {0}")]
    Malformed(&'static str),
    /// Chunk number `chunk` (1-based) follows one of only `size` bytes, under [`MIN_CHUNK`]
    /// (S3: `InvalidChunkSizeError`, naming the later chunk and the earlier one's size).
    #[error("chunk {chunk} follows a chunk of {size} bytes")]
    TooSmall { chunk: u64, size: u64 },
}

/// An incremental decoder.
#[derive(Debug)]
pub struct Dechunker {
    state: State,
    line: Vec<u8>,
    /// Trailing headers, names lowercased.
    pub trailers: Vec<(String, String)>,
    /// Data chunks seen so far, and the size of the last one.
    chunks: u64,
    last_size: u64,
}

impl Default for Dechunker {
    fn default() -> Self {
        Dechunker::new()
    }
}

impl Dechunker {
    pub fn new() -> Dechunker {
        Dechunker {
            state: State::Header,
            line: Vec::new(),
            trailers: Vec::new(),
            chunks: 0,
            last_size: 0,
        }
    }

    /// Decodes `input`, appending payload bytes to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), ChunkError> {
        while !input.is_empty() {
            match self.state {
                State::Done => {
                    // Tolerate a trailing CRLF some clients add.
                    if input.iter().all(|b| *b == b'\r' || *b == b'\n') {
                        return Ok(());
                    }
                    return Err(ChunkError::Malformed("data after the final chunk"));
                }
                State::Data(n) => {
                    let take = (n.min(input.len() as u64)) as usize;
                    out.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    let left = n - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                }
                State::Header | State::DataEnd | State::Trailers => {
                    let Some(pos) = input.iter().position(|b| *b == b'\n') else {
                        self.push_line(input)?;
                        return Ok(());
                    };
                    self.push_line(&input[..pos])?;
                    input = &input[pos + 1..];
                    let line = std::mem::take(&mut self.line);
                    let line = line.strip_suffix(b"\r").unwrap_or(&line);
                    self.end_line(line)?;
                }
            }
        }
        Ok(())
    }

    fn push_line(&mut self, bytes: &[u8]) -> Result<(), ChunkError> {
        if self.line.len() + bytes.len() > MAX_LINE {
            return Err(ChunkError::Malformed("line too long"));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn end_line(&mut self, line: &[u8]) -> Result<(), ChunkError> {
        match self.state {
            State::DataEnd => {
                if !line.is_empty() {
                    return Err(ChunkError::Malformed("chunk data longer than its size"));
                }
                self.state = State::Header;
            }
            State::Header => {
                let text = std::str::from_utf8(line)
                    .map_err(|_| ChunkError::Malformed("bad chunk header"))?;
                let size = text.split(';').next().unwrap_or("").trim();
                let n = u64::from_str_radix(size, 16)
                    .map_err(|_| ChunkError::Malformed("bad chunk size"))?;
                if n > 0 {
                    if self.chunks > 0 && self.last_size < MIN_CHUNK {
                        return Err(ChunkError::TooSmall {
                            chunk: self.chunks + 1,
                            size: self.last_size,
                        });
                    }
                    self.chunks += 1;
                    self.last_size = n;
                }
                self.state = if n == 0 {
                    State::Trailers
                } else {
                    State::Data(n)
                };
            }
            State::Trailers => {
                if line.is_empty() {
                    self.state = State::Done;
                } else {
                    let text = std::str::from_utf8(line)
                        .map_err(|_| ChunkError::Malformed("bad trailer"))?;
                    let (k, v) = text
                        .split_once(':')
                        .ok_or(ChunkError::Malformed("bad trailer"))?;
                    self.trailers
                        .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            State::Data(_) | State::Done => {}
        }
        Ok(())
    }

    /// Checks the body ended where the encoding says it does. A body that stops right after
    /// its trailers (without the final blank line) is accepted, as S3 does.
    pub fn finish(&self) -> Result<(), ChunkError> {
        match self.state {
            State::Done => Ok(()),
            State::Trailers if self.line.is_empty() => Ok(()),
            _ => Err(ChunkError::Malformed("body ended inside a chunk")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Expected<'a> = Result<(&'a [u8], Vec<(&'a str, &'a str)>), ChunkError>;

    fn check(input: &[u8], split: usize, expected: Expected) {
        let mut d = Dechunker::new();
        let mut out = Vec::new();
        let split = split.min(input.len());
        let got = d
            .feed(&input[..split], &mut out)
            .and_then(|()| d.feed(&input[split..], &mut out))
            .and_then(|()| d.finish())
            .map(|()| (out.clone(), d.trailers.clone()));
        let expected = expected.map(|(b, t)| {
            (
                b.to_vec(),
                t.into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<Vec<_>>(),
            )
        });
        assert_eq!(
            got,
            expected,
            "{:?} split at {split}",
            String::from_utf8_lossy(input)
        );
    }

    #[test]
    fn decodes() {
        let signed = b"b;chunk-signature=abc\r\nhello world\r\n0;chunk-signature=0\r\n\r\n";
        let trailer = b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        for split in [0, 1, 3, 7, 12, 20, 30, 200] {
            check(signed, split, Ok((b"hello world", vec![])));
            check(
                trailer,
                split,
                Ok((b"hello world", vec![("x-amz-checksum-crc32", "DUoRhQ==")])),
            );
        }
        check(b"0\r\n\r\n", 2, Ok((b"", vec![])));
        check(
            b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n",
            2,
            Ok((b"", vec![("x-amz-checksum-crc32", "AAAAAA==")])),
        );
        check(
            b"zz\r\nhello\r\n",
            1,
            Err(ChunkError::Malformed("bad chunk size")),
        );
        check(
            b"3\r\nhello\r\n0\r\n\r\n",
            1,
            Err(ChunkError::Malformed("chunk data longer than its size")),
        );
        check(
            b"5\r\nhel",
            1,
            Err(ChunkError::Malformed("body ended inside a chunk")),
        );
        check(
            b"0\r\n\r\nmore",
            1,
            Err(ChunkError::Malformed("data after the final chunk")),
        );
        check(
            b"",
            0,
            Err(ChunkError::Malformed("body ended inside a chunk")),
        );
    }

    #[test]
    fn only_the_last_chunk_may_be_small() {
        let framed = |sizes: &[usize]| {
            let mut body = Vec::new();
            for n in sizes.iter().copied().chain([0]) {
                body.extend(format!("{n:x};chunk-signature=0\r\n").bytes());
                body.extend(std::iter::repeat_n(b'x', n));
                body.extend(b"\r\n");
            }
            body.extend(b"\r\n");
            body
        };
        let cases: &[(&[usize], Result<(), ChunkError>)] = &[
            (&[], Ok(())),
            (&[5], Ok(())),
            (&[8192, 8192, 1], Ok(())),
            (&[10_000, 8192], Ok(())),
            (&[3, 2], Err(ChunkError::TooSmall { chunk: 2, size: 3 })),
            (
                &[8192, 8191, 8192],
                Err(ChunkError::TooSmall {
                    chunk: 3,
                    size: 8191,
                }),
            ),
        ];
        for (sizes, want) in cases {
            let body = framed(sizes);
            let total: usize = sizes.iter().sum();
            for split in [1, 8200, body.len()] {
                let mut d = Dechunker::new();
                let mut out = Vec::new();
                let split = split.min(body.len());
                let got = d
                    .feed(&body[..split], &mut out)
                    .and_then(|()| d.feed(&body[split..], &mut out))
                    .and_then(|()| d.finish());
                assert_eq!(&got, want, "{sizes:?} split at {split}");
                if got.is_ok() {
                    assert_eq!(out.len(), total);
                }
            }
        }
    }
}
