//! The penalty score of a masked QR code symbol (ISO/IEC 18004:2015, 7.8.3), on a plain grid of
//! dark modules. The encoder tries all eight masks and keeps the one with the lowest score;
//! scoring a bool grid directly takes a few microseconds per mask, where scoring through the
//! QR crate's module type took about 60 µs, a tenth of a whole invoice render.

/// Points per run of five same-coloured modules in a row or column (N1), plus one per module
/// beyond five.
const RUN: u32 = 3;
/// Points per 2×2 block of one colour (N2).
const BLOCK: u32 = 3;
/// Points per finder-like pattern 1:1:3:1:1 with four light modules on one side (N3).
const FINDER_LIKE: u32 = 40;
/// Points per 5 % the share of dark modules deviates from 50 % (N4).
const BALANCE: u32 = 10;

/// The penalty of a `width` × `width` symbol, `dark` in row-major order.
pub fn penalty(dark: &[bool], width: usize) -> u32 {
    if width == 0 || dark.len() != width * width {
        return u32::MAX;
    }
    let mut columns = vec![false; dark.len()];
    for (y, row) in dark.chunks_exact(width).enumerate() {
        for (x, module) in row.iter().enumerate() {
            columns[x * width + y] = *module;
        }
    }
    let mut score = 0;
    for line in dark.chunks_exact(width).chain(columns.chunks_exact(width)) {
        score += line_penalty(line);
    }
    for pair in dark.chunks_exact(width).collect::<Vec<_>>().windows(2) {
        let (upper, lower) = (pair[0], pair[1]);
        for x in 0..width - 1 {
            let c = upper[x];
            if upper[x + 1] == c && lower[x] == c && lower[x + 1] == c {
                score += BLOCK;
            }
        }
    }
    let dark_count = dark.iter().filter(|d| **d).count();
    let percent = dark_count * 100 / dark.len();
    score + BALANCE * u32::try_from(percent.abs_diff(50) / 5).unwrap_or(u32::MAX / BALANCE)
}

/// N1 and N3 of one row or column. Outside the symbol is the light quiet zone.
fn line_penalty(line: &[bool]) -> u32 {
    const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
    let mut score = 0;
    let mut run = 0;
    for (i, &module) in line.iter().enumerate() {
        if i > 0 && module == line[i - 1] {
            run += 1;
        } else {
            score += run_penalty(run);
            run = 1;
        }
    }
    score += run_penalty(run);
    let all_light = |modules: &[bool]| modules.iter().all(|m| !m);
    for start in 0..line.len().saturating_sub(6) {
        if line[start..start + 7] != PATTERN {
            continue;
        }
        // Four light modules before or after; the quiet zone beyond the edge is light.
        if all_light(&line[start.saturating_sub(4)..start]) {
            score += FINDER_LIKE;
        }
        if all_light(&line[start + 7..(start + 11).min(line.len())]) {
            score += FINDER_LIKE;
        }
    }
    score
}

fn run_penalty(run: u32) -> u32 {
    if run >= 5 { RUN + (run - 5) } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&str]) -> (Vec<bool>, usize) {
        let width = rows.len();
        let dark = rows
            .iter()
            .flat_map(|r| r.chars().map(|c| c == '#'))
            .collect();
        (dark, width)
    }

    #[test]
    fn runs_of_five_and_more_cost_three_plus_one_per_extra_module() {
        assert_eq!(line_penalty(&[true; 4]), 0);
        assert_eq!(line_penalty(&[true; 5]), 3);
        assert_eq!(line_penalty(&[false; 7]), 5);
        assert_eq!(
            line_penalty(&[true, true, true, true, true, false, true]),
            3
        );
    }

    #[test]
    fn a_finder_like_pattern_next_to_four_light_modules_costs_forty() {
        // 1011101 at the edge: the quiet zone counts as light on the left.
        let edge = [
            true, false, true, true, true, false, true, true, false, true, false,
        ];
        assert_eq!(line_penalty(&edge), 40);
        // Light on both sides: counted once per side (and the run of four light is free).
        let both = [
            false, false, false, false, true, false, true, true, true, false, true, false, false,
            false, false,
        ];
        assert_eq!(line_penalty(&both), 80);
        // Dark within the four modules on each side: no finder-like pattern.
        let framed = [
            false, true, false, false, true, false, true, true, true, false, true, false, true,
            false, false,
        ];
        assert_eq!(line_penalty(&framed), 0);
    }

    #[test]
    fn blocks_and_balance() {
        // All light 3×3: rows and columns are runs of three (free), four 2×2 blocks (12) and
        // 0 % dark, ten steps of 5 % from half (100).
        let (dark, width) = grid(&["...", "...", "..."]);
        assert_eq!(penalty(&dark, width), 4 * BLOCK + 100);
        // A checkerboard has no runs, no blocks and is balanced within 5 %.
        let (dark, width) = grid(&["#.#.", ".#.#", "#.#.", ".#.#"]);
        assert_eq!(penalty(&dark, width), 0);
    }
}
