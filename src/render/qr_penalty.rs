//! The penalty score of a masked QR code symbol (ISO/IEC 18004:2015, 7.8.3), on a plain grid of
//! dark modules. The encoder tries all eight masks and keeps the one with the lowest score.
//! Rows and columns are scored as bit words (runs from the bit transitions, 2×2 blocks with a
//! few word operations): about 10 µs for all eight masks, where scoring module by module took
//! 0.2 ms and the QR crate's own scoring 0.5 ms, a tenth of a whole invoice render.

/// Points per run of five same-coloured modules in a row or column (N1), plus one per module
/// beyond five.
const RUN: u32 = 3;
/// Points per 2×2 block of one colour (N2).
const BLOCK: u32 = 3;
/// Points per finder-like pattern 1:1:3:1:1 with four light modules on one side (N3).
const FINDER_LIKE: u32 = 40;
/// Points per 5 % the share of dark modules deviates from 50 % (N4).
const BALANCE: u32 = 10;

/// The widest symbol scored: a row or column is one 128-bit word. Version 28 is 125 modules
/// wide; the EPC payload (at most 331 bytes) needs version 13 (69 modules) at most.
pub const MAX_WIDTH: usize = 128;

/// The penalty of a `width` × `width` symbol, `dark` in row-major order; `u32::MAX` for a
/// grid that is not square or wider than [`MAX_WIDTH`].
pub fn penalty(dark: &[bool], width: usize) -> u32 {
    if width == 0 || width > MAX_WIDTH || dark.len() != width * width {
        return u32::MAX;
    }
    // Bit x of a row is module x; bit y of a column is module y.
    let mut rows = Vec::with_capacity(width);
    let mut columns = vec![0_u128; width];
    for (y, modules) in dark.chunks_exact(width).enumerate() {
        let mut row = 0_u128;
        for (x, &module) in modules.iter().enumerate() {
            row |= u128::from(module) << x;
            columns[x] |= u128::from(module) << y;
        }
        rows.push(row);
    }
    let mut score = 0;
    let mut runs = Vec::with_capacity(width);
    for &line in rows.iter().chain(&columns) {
        score += line_penalty(line, width, &mut runs);
    }
    // Module x and x + 1 of two adjacent rows all of one colour.
    let left_of_last = u128::MAX.checked_shr(129 - width as u32).unwrap_or(0);
    for pair in rows.windows(2) {
        let (upper, lower) = (pair[0], pair[1]);
        let same_below = !(upper ^ lower);
        let same_right = !(upper ^ (upper >> 1));
        let blocks = same_below & (same_below >> 1) & same_right & left_of_last;
        score += BLOCK * blocks.count_ones();
    }
    let dark_count: u32 = rows.iter().map(|row| row.count_ones()).sum();
    let percent = dark_count as usize * 100 / dark.len();
    score + BALANCE * u32::try_from(percent.abs_diff(50) / 5).unwrap_or(u32::MAX / BALANCE)
}

/// A run of same-coloured modules in a line.
#[derive(Debug, Clone, Copy)]
struct Run {
    dark: bool,
    length: u32,
}

/// N1 and N3 of one row or column of `width` modules (bit i is module i), from its runs.
/// Outside the symbol is the light quiet zone. `runs` is scratch space, reused between lines.
fn line_penalty(line: u128, width: usize, runs: &mut Vec<Run>) -> u32 {
    let width = width as u32;
    let Some(inside) = 128_u32
        .checked_sub(width)
        .and_then(|unused| u128::MAX.checked_shr(unused))
        .filter(|_| width > 0)
    else {
        return 0;
    };
    // A run starts at module 0 and wherever a module differs from the one before.
    let mut starts = ((line ^ (line << 1)) | 1) & inside;
    runs.clear();
    while starts != 0 {
        let start = starts.trailing_zeros();
        starts &= starts - 1;
        let end = if starts == 0 {
            width
        } else {
            starts.trailing_zeros()
        };
        runs.push(Run {
            dark: line >> start & 1 == 1,
            length: end - start,
        });
    }
    let mut score: u32 = runs.iter().map(|run| run_penalty(run.length)).sum();
    // A finder-like pattern 1011101 is five runs dark, light, dark, light, dark of lengths
    // ≥1, 1, 3, 1, ≥1. It counts once for four light modules (or the edge) before it, which
    // needs its first dark run to be a single module, and once for four light modules (or the
    // edge) after it, which needs the same of its last dark run.
    for (i, five) in runs.windows(5).enumerate() {
        let [first, gap, middle, gap2, last] = five else {
            continue;
        };
        if !first.dark || gap.length != 1 || middle.length != 3 || gap2.length != 1 {
            continue;
        }
        let light_before = i < 2 || runs[i - 1].length >= 4;
        if first.length == 1 && light_before {
            score += FINDER_LIKE;
        }
        let light_after = i + 7 > runs.len() || runs[i + 5].length >= 4;
        if last.length == 1 && light_after {
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

    fn line(modules: &[bool]) -> u32 {
        let bits = modules
            .iter()
            .enumerate()
            .fold(0_u128, |bits, (i, &m)| bits | u128::from(m) << i);
        line_penalty(bits, modules.len(), &mut Vec::new())
    }

    /// The whole penalty straight from the definition, on a bool grid.
    fn penalty_by_definition(dark: &[bool], width: usize) -> u32 {
        let row = |y: usize| dark[y * width..(y + 1) * width].to_vec();
        let column = |x: usize| (0..width).map(|y| dark[y * width + x]).collect::<Vec<_>>();
        let mut score: u32 = (0..width)
            .map(|i| line_by_definition(&row(i)) + line_by_definition(&column(i)))
            .sum();
        for y in 0..width - 1 {
            for x in 0..width - 1 {
                let c = dark[y * width + x];
                if dark[y * width + x + 1] == c
                    && dark[(y + 1) * width + x] == c
                    && dark[(y + 1) * width + x + 1] == c
                {
                    score += BLOCK;
                }
            }
        }
        let percent = dark.iter().filter(|d| **d).count() * 100 / dark.len();
        score + BALANCE * (percent.abs_diff(50) / 5) as u32
    }

    /// N1 and N3 straight from the standard's wording: every run, every position of 1011101.
    fn line_by_definition(line: &[bool]) -> u32 {
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
            if line[start..start + 7] == PATTERN {
                if all_light(&line[start.saturating_sub(4)..start]) {
                    score += FINDER_LIKE;
                }
                if all_light(&line[start + 7..(start + 11).min(line.len())]) {
                    score += FINDER_LIKE;
                }
            }
        }
        score
    }

    #[test]
    fn runs_of_five_and_more_cost_three_plus_one_per_extra_module() {
        assert_eq!(line(&[true; 4]), 0);
        assert_eq!(line(&[true; 5]), 3);
        assert_eq!(line(&[false; 7]), 5);
        assert_eq!(line(&[true, true, true, true, true, false, true]), 3);
    }

    #[test]
    fn a_finder_like_pattern_next_to_four_light_modules_costs_forty() {
        // 1011101 at the edge: the quiet zone counts as light on the left.
        let edge = [
            true, false, true, true, true, false, true, true, false, true, false,
        ];
        assert_eq!(line(&edge), 40);
        // Light on both sides: counted once per side (and the run of four light is free).
        let both = [
            false, false, false, false, true, false, true, true, true, false, true, false, false,
            false, false,
        ];
        assert_eq!(line(&both), 80);
        // Dark within the four modules on each side: no finder-like pattern.
        let framed = [
            false, true, false, false, true, false, true, true, true, false, true, false, true,
            false, false,
        ];
        assert_eq!(line(&framed), 0);
    }

    #[test]
    fn scoring_by_runs_agrees_with_the_definition_on_every_line_of_up_to_fifteen_modules() {
        for length in 0..=15 {
            for bits in 0..1_u32 << length {
                let modules: Vec<bool> = (0..length).map(|i| bits >> i & 1 == 1).collect();
                assert_eq!(line(&modules), line_by_definition(&modules), "{modules:?}");
            }
        }
    }

    #[test]
    fn whole_symbols_score_as_by_definition_up_to_the_widest() {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for width in [1, 2, 5, 21, 37, 69, 127, MAX_WIDTH] {
            for _ in 0..4 {
                // Sparse, even and dense grids, so long runs and finder-like patterns occur.
                let threshold = random() % 4;
                let dark: Vec<bool> = (0..width * width)
                    .map(|_| random() % 4 <= threshold)
                    .collect();
                assert_eq!(
                    penalty(&dark, width),
                    penalty_by_definition(&dark, width),
                    "width {width}"
                );
            }
        }
        assert_eq!(penalty(&vec![false; 129 * 129], 129), u32::MAX);
        assert_eq!(penalty(&[false; 3], 2), u32::MAX);
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
        // Columns count like rows: a dark first column of five is one run (3), the rest light
        // columns of five (4 × 3) and rows of four light (free); 4 × 3 light 2×2 blocks;
        // 20 % dark, six steps from half (60).
        let (dark, width) = grid(&["#....", "#....", "#....", "#....", "#...."]);
        assert_eq!(penalty(&dark, width), 3 + 4 * 3 + 12 * BLOCK + 60);
    }
}
