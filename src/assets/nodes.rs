//! The node graph: checked to be a forest (each node at most one parent, no node its own
//! ancestor, scene roots without parents, bounded depth) before it is walked, so every
//! traversal ends; then walked from the default scene into mesh draws with their
//! node → asset transforms, global transforms for skins, and the skinned meshes.

use glam::DMat4;

use super::mesh::MeshDraw;

/// The deepest node hierarchy accepted; real assets (skeletons included) stay far below.
pub const MAX_NODE_DEPTH: usize = 1024;

/// Checks that the nodes form a forest of bounded depth and that every scene lists root
/// nodes once each. Errors name the glTF path (`nodes[3].children`).
pub fn check_graph(document: &gltf::Document) -> Result<(), String> {
    let n = document.nodes().len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for node in document.nodes() {
        let p = node.index();
        for child in node.children() {
            let c = child.index();
            if c == p {
                return Err(format!(
                    "nodes[{p}].children: node {p} lists itself as a child"
                ));
            }
            if let Some(q) = parent[c] {
                return Err(format!(
                    "nodes[{p}].children: nodes[{c}] is already a child of nodes[{q}]; a glTF \
                     node has at most one parent"
                ));
            }
            parent[c] = Some(p);
        }
    }
    // Depth of every node, walking up parent links; a walk that comes back to a node on
    // its own path has found a cycle.
    let mut depth: Vec<Option<usize>> = vec![None; n];
    let mut on_path = vec![false; n];
    for start in 0..n {
        let mut path = Vec::new();
        let mut node = start;
        // The depth of the topmost node the walk pushes.
        let top = loop {
            if let Some(d) = depth[node] {
                break d + 1;
            }
            if on_path[node] {
                return Err(format!(
                    "nodes[{node}].children: the node hierarchy has a cycle through nodes[{node}]"
                ));
            }
            on_path[node] = true;
            path.push(node);
            match parent[node] {
                Some(p) => node = p,
                None => break 0,
            }
        };
        for (k, &m) in path.iter().rev().enumerate() {
            let d = top + k;
            if d > MAX_NODE_DEPTH {
                return Err(format!(
                    "nodes[{m}]: nested {d} levels deep; synthvis accepts at most {MAX_NODE_DEPTH}"
                ));
            }
            depth[m] = Some(d);
            on_path[m] = false;
        }
    }
    for scene in document.scenes() {
        let s = scene.index();
        let mut listed = vec![false; n];
        for root in scene.nodes() {
            let r = root.index();
            if let Some(p) = parent[r] {
                return Err(format!(
                    "scenes[{s}].nodes: nodes[{r}] is listed as a root but is a child of nodes[{p}]"
                ));
            }
            if std::mem::replace(&mut listed[r], true) {
                return Err(format!("scenes[{s}].nodes: nodes[{r}] is listed twice"));
            }
        }
    }
    Ok(())
}

/// What the default scene draws.
pub struct SceneDraws {
    /// Meshes drawn at nodes without a skin, with their node → asset transforms.
    pub draws: Vec<MeshDraw>,
    /// (mesh, skin) pairs drawn at skinned nodes (their own transform is ignored).
    pub skinned: Vec<(usize, usize)>,
    /// Every node's node → asset transform (identity for nodes outside the scene).
    pub globals: Vec<DMat4>,
}

/// Walks the default scene (or the first). Call [`check_graph`] first: the walk relies on
/// the nodes forming a forest. A node whose global transform is not finite is an error.
pub fn walk(document: &gltf::Document) -> Result<SceneDraws, String> {
    let scene = document
        .default_scene()
        .or_else(|| document.scenes().next());
    let roots: Vec<gltf::Node> = match &scene {
        Some(s) => s.nodes().collect(),
        None => Vec::new(),
    };
    let mut globals = vec![DMat4::IDENTITY; document.nodes().len()];
    let mut draws = Vec::new();
    let mut skinned = Vec::new();
    let mut stack: Vec<(gltf::Node, DMat4)> =
        roots.into_iter().map(|n| (n, DMat4::IDENTITY)).collect();
    while let Some((node, parent)) = stack.pop() {
        let local = DMat4::from_cols_array_2d(&node.transform().matrix().map(|c| c.map(f64::from)));
        let global = parent * local;
        if !global.is_finite() {
            return Err(format!(
                "nodes[{}]: its transform (with its ancestors') is not finite: the scales \
                 multiply past what a 64-bit float holds",
                node.index()
            ));
        }
        globals[node.index()] = global;
        if let Some(mesh) = node.mesh() {
            match node.skin() {
                Some(skin) => skinned.push((mesh.index(), skin.index())),
                None => draws.push(MeshDraw {
                    mesh: mesh.index(),
                    transform: global,
                }),
            }
        }
        stack.extend(node.children().map(|c| (c, global)));
    }
    Ok(SceneDraws {
        draws,
        skinned,
        globals,
    })
}
