import { describe, expect, it } from 'vitest';
import { TOP_CLASSES_BACKGROUND, topClassesDrawer, topClassesSvg } from './top-classes-drawer.js';

const top5 = [
  { classId: 1, className: 'square', confidence: 0.912 },
  { classId: 3, className: 'ring', confidence: 0.05 },
  { classId: 0, className: '<circle>', confidence: 0.02 },
];

describe('topClassesSvg', () => {
  it('lists the classes most probable first, white on translucent gray, 3% of the height in', () => {
    const svg = topClassesSvg(300, 200, top5) ?? '';
    // round(0.03 × 200) = 6.
    expect(svg).toContain(`<rect x="6" y="6" `);
    expect(svg).toContain(`fill="${TOP_CLASSES_BACKGROUND}"`);
    expect(svg).toContain('fill="#FFFFFF"');
    const lines = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(lines).toEqual(['square 0.91', 'ring 0.05', '&#60;circle&#62; 0.02']);
  });

  it('draws nothing for results without top classes', () => {
    expect(topClassesSvg(300, 200, [])).toBeUndefined();
    expect(topClassesDrawer.layers({ width: 300, height: 200, detections: [] })).toEqual([]);
    expect(topClassesDrawer.layers({ width: 300, height: 200, detections: [], top5 })).toHaveLength(1);
  });
});
