"""Convert a CFF-flavoured OpenType font to TrueType outlines (quadratic curves, unhinted).

Usage: python3 otf2ttf.py Inter-Regular.otf Inter-Regular.ttf  (needs PyPI fontTools)
"""
import sys
from fontTools.ttLib import TTFont, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

def convert(src, dst, max_err=0.5):
    font = TTFont(src)
    assert font.sfntVersion == "OTTO"
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name in order:
        g = glyf[name]
        if g.isComposite() or g.numberOfContours > 0:
            g.recalcBounds(glyf)
            width, _ = hmtx[name]
            hmtx[name] = (width, g.xMin)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions"):
        setattr(maxp, attr, 0)
    maxp.maxComponentElements = max((len(g.components) for g in glyphs.values() if g.isComposite()), default=0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\000\001\000\000"
    font.save(dst)

if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
