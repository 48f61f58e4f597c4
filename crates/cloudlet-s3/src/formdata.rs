//! A streaming `multipart/form-data` reader for POST uploads: text fields are collected
//! (at most [`MAX_FIELDS_BYTES`] before the file, as S3 allows), the `file` part is handed
//! out piece by piece as it arrives, so a file of any size passes through constant memory.
//! Fields after the file are ignored, as S3 does.

use bytes::{Buf, BytesMut};
use cloudlet_core::Body;
use http_body_util::BodyExt;

/// How much form data may precede the file.
pub const MAX_FIELDS_BYTES: usize = 20 * 1024;
/// Longest part header block.
const MAX_PART_HEADERS: usize = 8 * 1024;

/// Why a form cannot be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("malformed multipart/form-data: {0}")]
    Malformed(&'static str),
    #[error("form fields before the file are too large")]
    FieldsTooLarge,
    #[error("reading the body: {0}")]
    Body(String),
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("boundary"))
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// What comes next in a form.
#[derive(Debug, PartialEq, Eq)]
pub enum Item {
    /// A text field (name as sent).
    Field { name: String, value: String },
    /// The file part begins; read it with [`FormReader::file_chunk`].
    File {
        filename: String,
        content_type: Option<String>,
    },
    /// The form ended without a file.
    End,
}

pub struct FormReader {
    body: Body,
    buf: BytesMut,
    /// `\r\n--boundary`.
    delimiter: Vec<u8>,
    eof: bool,
    fields_bytes: usize,
    /// After the file's delimiter: nothing more is read.
    done: bool,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl FormReader {
    pub fn new(body: Body, boundary: &str) -> FormReader {
        // The first boundary has no CRLF before it; pretend it has, so every delimiter is
        // the same.
        let mut buf = BytesMut::new();
        buf.extend_from_slice(b"\r\n");
        FormReader {
            body,
            buf,
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            eof: false,
            fields_bytes: 0,
            done: false,
        }
    }

    /// Reads one more frame into the buffer; false at the end of the body.
    async fn fill(&mut self) -> Result<bool, FormError> {
        while !self.eof {
            match self.body.frame().await {
                None => self.eof = true,
                Some(Err(e)) => return Err(FormError::Body(e.to_string())),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        self.buf.extend_from_slice(&data);
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
    }

    /// Reads until `needle` is in the buffer (within `limit` bytes); returns its offset.
    async fn until(&mut self, needle: &[u8], limit: usize) -> Result<usize, FormError> {
        loop {
            if let Some(i) = find(&self.buf, needle) {
                if i > limit {
                    return Err(FormError::FieldsTooLarge);
                }
                return Ok(i);
            }
            if self.buf.len() > limit + needle.len() {
                return Err(FormError::FieldsTooLarge);
            }
            if !self.fill().await? {
                return Err(FormError::Malformed("unexpected end of the body"));
            }
        }
    }

    /// Consumes a delimiter and what follows it: `--` (the end) or a CRLF and part headers.
    async fn after_delimiter(&mut self) -> Result<bool, FormError> {
        while self.buf.len() < self.delimiter.len() + 2 {
            if !self.fill().await? {
                return Err(FormError::Malformed("unexpected end of the body"));
            }
        }
        self.buf.advance(self.delimiter.len());
        if self.buf.starts_with(b"--") {
            return Ok(false);
        }
        if !self.buf.starts_with(b"\r\n") {
            return Err(FormError::Malformed("no CRLF after a boundary"));
        }
        self.buf.advance(2);
        Ok(true)
    }

    /// The next field or the start of the file.
    pub async fn next(&mut self) -> Result<Item, FormError> {
        if self.done {
            return Ok(Item::End);
        }
        if self.fields_bytes == 0 {
            // Skip any preamble up to the first boundary.
            let at = self
                .until(&self.delimiter.clone(), MAX_FIELDS_BYTES)
                .await?;
            self.buf.advance(at);
        }
        if !self.after_delimiter().await? {
            self.done = true;
            return Ok(Item::End);
        }
        let end = self.until(b"\r\n\r\n", MAX_PART_HEADERS).await?;
        let headers = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.advance(end + 4);
        self.fields_bytes += end + 4;
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for param in v.split(';').skip(1) {
                    if let Some((pk, pv)) = param.split_once('=') {
                        let pv = pv.trim().trim_matches('"').to_string();
                        match pk.trim().to_ascii_lowercase().as_str() {
                            "name" => name = Some(pv),
                            "filename" => filename = Some(pv),
                            _ => {}
                        }
                    }
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_string());
            }
        }
        let name = name.ok_or(FormError::Malformed("a part without a name"))?;
        if name.eq_ignore_ascii_case("file") {
            return Ok(Item::File {
                filename: filename.unwrap_or_default(),
                content_type,
            });
        }
        let left = MAX_FIELDS_BYTES.saturating_sub(self.fields_bytes);
        let delimiter = self.delimiter.clone();
        let end = self.until(&delimiter, left).await?;
        let value = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.advance(end);
        self.fields_bytes += end;
        Ok(Item::Field { name, value })
    }

    /// The next piece of the file, `None` after its last byte.
    pub async fn file_chunk(&mut self) -> Result<Option<bytes::Bytes>, FormError> {
        if self.done {
            return Ok(None);
        }
        loop {
            if let Some(i) = find(&self.buf, &self.delimiter) {
                self.done = true;
                if i == 0 {
                    return Ok(None);
                }
                return Ok(Some(self.buf.split_to(i).freeze()));
            }
            // All but a possible partial delimiter at the end is file data.
            let safe = self.buf.len().saturating_sub(self.delimiter.len() - 1);
            if safe > 0 {
                return Ok(Some(self.buf.split_to(safe).freeze()));
            }
            if !self.fill().await? {
                return Err(FormError::Malformed("the file part does not end"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body delivered in `piece`-byte frames.
    struct Frames(std::collections::VecDeque<bytes::Bytes>);

    impl http_body::Body for Frames {
        type Data = bytes::Bytes;
        type Error = cloudlet_core::body::BodyError;

        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
            std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
        }
    }

    fn body(data: &[u8], piece: usize) -> Body {
        Frames(
            data.chunks(piece.max(1))
                .map(bytes::Bytes::copy_from_slice)
                .collect(),
        )
        .boxed_unsync()
    }

    fn block<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    async fn read_all(
        mut r: FormReader,
    ) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), FormError> {
        let mut fields = Vec::new();
        loop {
            match r.next().await? {
                Item::Field { name, value } => fields.push((name, value)),
                Item::File { filename, .. } => {
                    let mut data = Vec::new();
                    while let Some(c) = r.file_chunk().await? {
                        data.extend_from_slice(&c);
                    }
                    return Ok((fields, Some((filename, data))));
                }
                Item::End => return Ok((fields, None)),
            }
        }
    }

    #[test]
    fn reads_forms_in_any_framing() {
        let form = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nup/${filename}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"x-amz-meta-a\"\r\n\r\nmulti\r\nline\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\n--Xy body\r\n--XyZ\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nignored\r\n--XyZ--\r\n";
        for piece in [1, 2, 3, 7, 16, 1000] {
            let got = block(read_all(FormReader::new(body(form, piece), "XyZ"))).unwrap();
            assert_eq!(
                got.0,
                vec![
                    ("key".to_string(), "up/${filename}".to_string()),
                    ("x-amz-meta-a".to_string(), "multi\r\nline".to_string())
                ],
                "piece {piece}"
            );
            assert_eq!(
                got.1,
                Some(("a.txt".to_string(), b"file\r\n--Xy body".to_vec())),
                "piece {piece}"
            );
        }
        let empty_file = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e\"\r\n\r\n\r\n--b--\r\n";
        let got = block(read_all(FormReader::new(body(empty_file, 5), "b"))).unwrap();
        assert_eq!(got.1, Some(("e".to_string(), vec![])));
        let no_file = b"--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b--\r\n";
        let got = block(read_all(FormReader::new(body(no_file, 5), "b"))).unwrap();
        assert_eq!(got, (vec![("key".into(), "k".into())], None));
    }

    #[test]
    fn refuses_broken_forms() {
        let cases: &[(&[u8], FormError)] = &[
            (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e\"\r\n\r\nno end", FormError::Malformed("the file part does not end")),
            (b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", FormError::Malformed("a part without a name")),
            (b"--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nnever closed", FormError::Malformed("unexpected end of the body")),
        ];
        for (form, want) in cases {
            assert_eq!(
                block(read_all(FormReader::new(body(form, 4), "b"))).unwrap_err(),
                *want
            );
        }
        let mut big = b"--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_FIELDS_BYTES + 10));
        big.extend(b"\r\n--b--");
        assert_eq!(
            block(read_all(FormReader::new(body(&big, 100), "b"))).unwrap_err(),
            FormError::FieldsTooLarge
        );
    }

    #[test]
    fn boundaries() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("Multipart/Form-Data; charset=x; boundary=\"q r\"").as_deref(),
            Some("q r")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }
}
