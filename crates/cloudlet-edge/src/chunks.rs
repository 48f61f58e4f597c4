//! Chunk signatures of `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` uploads (strict mode): each
//! `size;chunk-signature=…` chunk signs its data chained to the previous signature, starting
//! from the seed (the request's own signature). [`verifying`] wraps a request body, passes
//! every byte on unchanged (S3 decodes the encoding itself) and fails the body with
//! [`ChunkSignatureMismatch`] at the first chunk whose signature is wrong or missing. With
//! `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER` the trailing headers are signed too
//! (`x-amz-trailer-signature`, chained to the last chunk's).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use cloudlet_core::body::{Body, BodyError, ChunkSignatureMismatch};
use hmac::{Hmac, Mac};
use http_body::Frame;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

/// Longest chunk-header line looked at.
const MAX_LINE: usize = 8 * 1024;
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Header,
    Data(u64),
    /// The CRLF after a chunk's data: this many bytes left.
    DataEnd(u8),
    /// After the final chunk: trailer lines (verified in trailer mode).
    Trailers,
    /// Everything checked; the rest passes through.
    Rest,
}

/// The signature chain of one upload.
pub struct ChunkChain {
    signing_key: Vec<u8>,
    /// `AWS4-HMAC-SHA256-PAYLOAD\n{date}\n{scope}\n`.
    prefix: String,
    previous: String,
    declared: Option<String>,
    data: Sha256,
    state: State,
    line: Vec<u8>,
    /// `Some` when the trailers are signed: the canonical trailer text so far.
    trailer: Option<String>,
    trailer_signature: Option<String>,
}

impl ChunkChain {
    /// A chain from the `seed` signature; `signed_trailers` for the `-TRAILER` variant.
    pub fn new(
        signing_key: Vec<u8>,
        amz_date: &str,
        scope: &str,
        seed: &str,
        signed_trailers: bool,
    ) -> ChunkChain {
        ChunkChain {
            signing_key,
            prefix: format!("{amz_date}\n{scope}\n"),
            previous: seed.to_string(),
            declared: None,
            data: Sha256::new(),
            state: State::Header,
            line: Vec::new(),
            trailer: signed_trailers.then(String::new),
            trailer_signature: None,
        }
    }

    fn sign(&self, kind: &str, hash: &str, with_empty: bool) -> String {
        let sts = if with_empty {
            format!(
                "{kind}\n{}{}\n{EMPTY_SHA256}\n{hash}",
                self.prefix, self.previous
            )
        } else {
            format!("{kind}\n{}{}\n{hash}", self.prefix, self.previous)
        };
        #[allow(clippy::expect_used)]
        let mut m = Hmac::<Sha256>::new_from_slice(&self.signing_key)
            .expect("HMAC takes keys of any length");
        m.update(sts.as_bytes());
        cloudlet_core::ids::hex(&m.finalize().into_bytes())
    }

    fn verify_chunk(&mut self) -> Result<(), ChunkSignatureMismatch> {
        let hash = cloudlet_core::ids::hex(&self.data.finalize_reset());
        let want = self.sign("AWS4-HMAC-SHA256-PAYLOAD", &hash, true);
        let given = self.declared.take().ok_or(ChunkSignatureMismatch)?;
        if !crate::verify::same(&want, &given) {
            return Err(ChunkSignatureMismatch);
        }
        self.previous = given;
        Ok(())
    }

    /// Checks the trailer signature once the trailers are complete.
    fn verify_trailers(&mut self) -> Result<(), ChunkSignatureMismatch> {
        let Some(text) = self.trailer.take() else {
            return Ok(());
        };
        let hash = cloudlet_core::ids::hex(&Sha256::digest(text.as_bytes()));
        let want = self.sign("AWS4-HMAC-SHA256-TRAILER", &hash, false);
        let given = self
            .trailer_signature
            .take()
            .ok_or(ChunkSignatureMismatch)?;
        if !crate::verify::same(&want, &given) {
            return Err(ChunkSignatureMismatch);
        }
        Ok(())
    }

    fn trailer_line(&mut self) -> Result<(), ChunkSignatureMismatch> {
        let line = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches('\r');
        if text.is_empty() {
            self.state = State::Rest;
            return self.verify_trailers();
        }
        let (name, value) = text.split_once(':').ok_or(ChunkSignatureMismatch)?;
        let name = name.trim().to_ascii_lowercase();
        if name == "x-amz-trailer-signature" {
            self.trailer_signature = Some(value.trim().to_string());
        } else if let Some(t) = &mut self.trailer {
            t.push_str(&format!("{name}:{}\n", value.trim()));
        }
        Ok(())
    }

    /// The body ended: a chain that is not complete fails.
    pub fn finish(&mut self) -> Result<(), ChunkSignatureMismatch> {
        match self.state {
            State::Rest => Ok(()),
            State::Trailers if self.line.is_empty() => {
                self.state = State::Rest;
                self.verify_trailers()
            }
            // S3 itself reports a truncated encoding.
            _ => Ok(()),
        }
    }

    fn header_line(&mut self) -> Result<(), ChunkSignatureMismatch> {
        let line = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches('\r');
        let mut parts = text.split(';');
        let size = u64::from_str_radix(parts.next().unwrap_or("").trim(), 16)
            .map_err(|_| ChunkSignatureMismatch)?;
        self.declared = parts
            .find_map(|p| p.trim().strip_prefix("chunk-signature="))
            .map(str::to_string);
        if size == 0 {
            self.verify_chunk()?;
            self.state = State::Trailers;
        } else {
            self.state = State::Data(size);
        }
        Ok(())
    }

    /// Observes the next bytes of the encoded body.
    pub fn feed(&mut self, mut input: &[u8]) -> Result<(), ChunkSignatureMismatch> {
        while !input.is_empty() {
            match self.state {
                State::Rest => return Ok(()),
                State::Header | State::Trailers => match input.iter().position(|b| *b == b'\n') {
                    Some(i) => {
                        self.line.extend_from_slice(&input[..i]);
                        input = &input[i + 1..];
                        if self.state == State::Header {
                            self.header_line()?;
                        } else {
                            self.trailer_line()?;
                        }
                    }
                    None => {
                        if self.line.len() + input.len() > MAX_LINE {
                            return Err(ChunkSignatureMismatch);
                        }
                        self.line.extend_from_slice(input);
                        return Ok(());
                    }
                },
                State::Data(n) => {
                    let take = n.min(input.len() as u64) as usize;
                    self.data.update(&input[..take]);
                    input = &input[take..];
                    let left = n - take as u64;
                    self.state = if left == 0 {
                        self.verify_chunk()?;
                        State::DataEnd(2)
                    } else {
                        State::Data(left)
                    };
                }
                State::DataEnd(n) => {
                    let take = (n as usize).min(input.len());
                    input = &input[take..];
                    self.state = if take == n as usize {
                        State::Header
                    } else {
                        State::DataEnd(n - take as u8)
                    };
                }
            }
        }
        Ok(())
    }
}

struct Verifying {
    inner: Body,
    chain: ChunkChain,
    failed: bool,
}

impl http_body::Body for Verifying {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref()
                    && let Err(e) = self.chain.feed(data)
                {
                    self.failed = true;
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => {
                if let Err(e) = self.chain.finish() {
                    self.failed = true;
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
                Poll::Ready(None)
            }
            other => other,
        }
    }
}

/// `body`, checked chunk by chunk against `chain` as it is read.
pub fn verifying(body: Body, chain: ChunkChain) -> Body {
    Verifying {
        inner: body,
        chain,
        failed: false,
    }
    .boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of S3's "Signature calculations for the Authorization header:
    /// transferring payload in multiple chunks": 64 KiB + 1 KiB of `a`.
    fn example(signatures: [&str; 3]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(format!("10000;chunk-signature={}\r\n", signatures[0]).as_bytes());
        b.extend(std::iter::repeat_n(b'a', 65_536));
        b.extend_from_slice(format!("\r\n400;chunk-signature={}\r\n", signatures[1]).as_bytes());
        b.extend(std::iter::repeat_n(b'a', 1024));
        b.extend_from_slice(format!("\r\n0;chunk-signature={}\r\n\r\n", signatures[2]).as_bytes());
        b
    }

    const SIGNATURES: [&str; 3] = [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ];

    const SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

    fn check_with(
        body: &[u8],
        piece: usize,
        seed: &str,
        trailers: bool,
    ) -> Result<(), ChunkSignatureMismatch> {
        let key = crate::verify::signing_key(
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "20130524",
            "us-east-1",
            "s3",
        );
        let mut chain = ChunkChain::new(
            key,
            "20130524T000000Z",
            "20130524/us-east-1/s3/aws4_request",
            seed,
            trailers,
        );
        for c in body.chunks(piece) {
            chain.feed(c)?;
        }
        chain.finish()?;
        if chain.state != State::Rest {
            return Err(ChunkSignatureMismatch);
        }
        Ok(())
    }

    fn check(body: &[u8], piece: usize) -> Result<(), ChunkSignatureMismatch> {
        check_with(body, piece, SEED, false)
    }

    /// The example of "Signature calculation: using trailing headers"
    /// (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`, a CRC32C trailer).
    #[test]
    fn aws_documented_trailer_signature() {
        let seed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
        let signatures = [
            "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
            "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
            "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
        ];
        let with_trailer = |sig: &str| {
            let mut b = example(signatures);
            b.truncate(b.len() - 2);
            b.extend_from_slice(
                format!("x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:{sig}\r\n\r\n")
                    .as_bytes(),
            );
            b
        };
        let good = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";
        for piece in [5, 1000, 70_000] {
            assert!(
                check_with(&with_trailer(good), piece, seed, true).is_ok(),
                "piece {piece}"
            );
        }
        assert!(check_with(&with_trailer(SIGNATURES[0]), 1000, seed, true).is_err());
        let mut no_sig = example(signatures);
        no_sig.truncate(no_sig.len() - 2);
        no_sig.extend_from_slice(b"x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n");
        assert!(check_with(&no_sig, 1000, seed, true).is_err());
    }

    #[test]
    fn aws_documented_chunk_signatures() {
        for piece in [1, 7, 1000, 70_000] {
            assert!(check(&example(SIGNATURES), piece).is_ok(), "piece {piece}");
        }
        let mut wrong = SIGNATURES;
        wrong[1] = SIGNATURES[0];
        assert!(check(&example(wrong), 1000).is_err());
        let mut tampered = example(SIGNATURES);
        tampered[100] = b'b';
        assert!(check(&tampered, 1000).is_err());
        let unsigned = b"5\r\nhello\r\n0\r\n\r\n";
        assert!(check(unsigned, 3).is_err());
    }
}
