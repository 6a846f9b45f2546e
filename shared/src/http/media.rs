//! What an uploaded file really is, by its first bytes — never by the
//! declared content type or the file name, which the client controls.

/// A raster image format we accept somewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Image {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl Image {
    pub fn content_type(self) -> &'static str {
        match self {
            Image::Jpeg => "image/jpeg",
            Image::Png => "image/png",
            Image::Webp => "image/webp",
            Image::Gif => "image/gif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Image::Jpeg => "jpg",
            Image::Png => "png",
            Image::Webp => "webp",
            Image::Gif => "gif",
        }
    }
}

/// The image format of `bytes`, if it is one. SVG is never an `Image`: it is
/// markup and can carry script.
pub fn sniff_image(bytes: &[u8]) -> Option<Image> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Image::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Image::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Image::Webp)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Image::Gif)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_bytes_only() {
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Image::Jpeg));
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some(Image::Png));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some(Image::Webp));
        assert_eq!(sniff_image(b"GIF89a\x01\x00"), Some(Image::Gif));
        for bad in [
            &b"hello, I am text"[..],
            b"<svg xmlns=",
            b"<?xml version=\"1.0\"?><svg",
            b"RIFF\0\0\0\0WAVE",
            b"%PDF-1.7",
            b"",
        ] {
            assert_eq!(sniff_image(bad), None);
        }
    }
}
