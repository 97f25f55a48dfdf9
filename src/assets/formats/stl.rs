//! STL, ASCII or binary, read with the `stl_io` crate (the ecosystem's STL reader; it
//! tells the two encodings apart and streams the triangles). Each facet becomes a flat
//! triangle: its normal from the vertices' winding (counter-clockwise seen from outside,
//! as STL requires), the stored facet normal only where the triangle is degenerate.

use glam::Vec3;

use super::{MeshData, vertex};

/// Size of a binary STL's header and triangle count, and of one triangle record.
const BINARY_HEADER: u64 = 84;
const BINARY_TRIANGLE: u64 = 50;

/// Reads the STL file `bytes`.
pub fn read(bytes: &[u8]) -> Result<MeshData, String> {
    check_binary_size(bytes)?;
    let mut cursor = std::io::Cursor::new(bytes);
    let triangles =
        stl_io::create_stl_reader(&mut cursor).map_err(|e| format!("not an STL file: {e}"))?;
    let (mut vertices, mut indices) = (Vec::new(), Vec::new());
    for (i, triangle) in triangles.enumerate() {
        let triangle = triangle.map_err(|e| format!("triangle {i}: {e}"))?;
        let corners = triangle.vertices.map(|v| [v[0], v[1], v[2]]);
        let [a, b, c] = corners.map(Vec3::from);
        let stored = Vec3::from([triangle.normal[0], triangle.normal[1], triangle.normal[2]]);
        let normal = (b - a)
            .cross(c - a)
            .try_normalize()
            .or(stored.try_normalize())
            .unwrap_or(Vec3::Z);
        let first = u32::try_from(vertices.len())
            .map_err(|_| format!("triangle {i}: more vertices than a mesh may hold"))?;
        for p in corners {
            let mut v = vertex(p);
            v.normal = normal.to_array();
            vertices.push(v);
        }
        indices.extend([first, first + 1, first + 2]);
    }
    Ok(MeshData::default().single(vertices, indices))
}

/// A binary STL whose triangle count promises more bytes than the file holds is refused
/// before reading (an ASCII file, which starts with `solid` and holds text, is not
/// binary; a binary header may start with `solid` too, so the sizes decide).
fn check_binary_size(bytes: &[u8]) -> Result<(), String> {
    let len = bytes.len() as u64;
    if len < BINARY_HEADER || looks_ascii(bytes) {
        return Ok(());
    }
    let count = u64::from(u32::from_le_bytes([
        bytes[80], bytes[81], bytes[82], bytes[83],
    ]));
    let want = BINARY_HEADER + count * BINARY_TRIANGLE;
    if len < want {
        return Err(format!(
            "binary STL truncated: its header says {count} triangles ({want} bytes), the file holds {len} bytes"
        ));
    }
    Ok(())
}

/// Whether `bytes` read as an ASCII STL: `solid` first and text throughout its start.
fn looks_ascii(bytes: &[u8]) -> bool {
    let start = &bytes[..bytes.len().min(512)];
    start.starts_with(b"solid")
        && start
            .iter()
            .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(count: u32, triangles: &[[[f32; 3]; 3]]) -> Vec<u8> {
        let mut out = vec![0u8; 80];
        out.extend(count.to_le_bytes());
        for t in triangles {
            out.extend([0.0f32; 3].iter().flat_map(|f| f.to_le_bytes()));
            for p in t {
                out.extend(p.iter().flat_map(|f| f.to_le_bytes()));
            }
            out.extend([0u8, 0]);
        }
        out
    }

    const TRIANGLE: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];

    #[test]
    fn binary_and_ascii_give_the_same_flat_triangle() {
        let b = read(&binary(1, &[TRIANGLE])).unwrap();
        let ascii = b"solid t\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n";
        let a = read(ascii).unwrap();
        let (a, b) = (&a.primitives[0], &b.primitives[0]);
        for d in [a, b] {
            assert_eq!(d.indices, [0, 1, 2]);
            assert!(d.vertices.iter().all(|v| v.normal == [0.0, 0.0, 1.0]));
        }
        assert_eq!(
            a.vertices.iter().map(|v| v.position).collect::<Vec<_>>(),
            b.vertices.iter().map(|v| v.position).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_truncated_binary_file_is_refused_before_reading() {
        let e = read(&binary(1_000_000_000, &[TRIANGLE])).unwrap_err();
        assert!(
            e.contains("truncated") && e.contains("1000000000 triangles"),
            "{e}"
        );
        let e = read(&binary(2, &[TRIANGLE])).unwrap_err();
        assert!(e.contains("truncated"), "{e}");
    }
}
