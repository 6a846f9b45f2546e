//! A ticket code as a QR image (the ticket routes and the e-ticket mail). The code is a ~300-character JWS, which
//! fits a version 11–13 symbol at error correction M (15% of the symbol can
//! be dirt or glare); at 6 pixels a module with the standard 4-module quiet
//! zone the PNG is ~450 px square and a few kB, which a phone camera reads
//! at arm's length from a printed page or another screen.

use qrcode::{EcLevel, QrCode};
use shared::http::ApiError;

/// Pixels per module in the PNG.
const SCALE: usize = 6;
/// The light margin around the symbol, in modules (ISO/IEC 18004).
const QUIET_ZONE: usize = 4;

/// The image formats `?format=` offers.
pub const FORMATS: [&str; 2] = ["png", "svg"];

fn symbol(code: &str) -> Result<QrCode, ApiError> {
    QrCode::with_error_correction_level(code, EcLevel::M).map_err(ApiError::internal)
}

/// A 1-bit greyscale PNG of `code`.
pub fn png(code: &str) -> Result<Vec<u8>, ApiError> {
    let symbol = symbol(code)?;
    let modules = symbol.width();
    let dark: Vec<bool> = symbol
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0xFF_u8; row_bytes * side];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (x / SCALE, y / SCALE);
            let inside = (QUIET_ZONE..QUIET_ZONE + modules).contains(&mx)
                && (QUIET_ZONE..QUIET_ZONE + modules).contains(&my);
            if inside && dark[(my - QUIET_ZONE) * modules + (mx - QUIET_ZONE)] {
                pixels[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
            }
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).map_err(ApiError::internal)?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().map_err(ApiError::internal)?;
    writer
        .write_image_data(&pixels)
        .map_err(ApiError::internal)?;
    writer.finish().map_err(ApiError::internal)?;
    Ok(out)
}

/// An SVG of `code` (scales to any size without blur): one path of the
/// dark modules, each row's runs merged, so it stays a few kB.
pub fn svg(code: &str) -> Result<Vec<u8>, ApiError> {
    let symbol = symbol(code)?;
    let modules = symbol.width();
    let dark: Vec<bool> = symbol
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    let side = modules + 2 * QUIET_ZONE;
    let mut path = String::new();
    for y in 0..modules {
        let mut x = 0;
        while x < modules {
            if !dark[y * modules + x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < modules && dark[y * modules + x] {
                x += 1;
            }
            path.push_str(&format!(
                "M{} {}h{}v1h-{}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE,
                x - start,
                x - start
            ));
        }
    }
    let pixels = side * SCALE;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{pixels}\" height=\"{pixels}\" \
         viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>"
    )
    .into_bytes())
}
