//! The render API (`synthvis::Renderer`): frames in memory are the frames a dataset run
//! writes, whatever the order, the worker count or the frames asked before; a sequence
//! can be dropped or cancelled midway; renderers move between threads and open at once.

use crate::common;

use synthvis::render::Cancel;
use synthvis::{Frame, LoadedSpec, RenderError, RenderOptions, Renderer};

fn quickstart() -> LoadedSpec {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json");
    let spec = LoadedSpec::from_file(&path).unwrap();
    // A small image: what is compared is the route, not the look.
    let mut small = spec.spec.clone();
    small.resolution = synthvis::spec::Resolution {
        width: 160,
        height: 120,
    };
    spec.with_spec(small).unwrap()
}

/// Everything a frame holds that a caller can see, as bytes: its encoded files.
fn files_of(frame: &Frame, spec: &LoadedSpec) -> Vec<(String, Vec<u8>)> {
    frame.encode(&spec.spec.outputs).unwrap().files
}

#[test]
fn frames_in_any_order_on_two_workers_equal_frames_rendered_alone() {
    let spec = quickstart();
    let options = RenderOptions {
        workers: Some(2),
        ..common::render_options()
    };
    let mut pipelined = Renderer::new(&spec, options).unwrap();
    let order = [3u64, 0, 5, 1, 2];
    let frames: Vec<Frame> = pipelined.frames(order).map(Result::unwrap).collect();
    assert_eq!(
        frames.iter().map(|f| f.index).collect::<Vec<_>>(),
        order,
        "frames come in the order asked for"
    );
    let mut alone = common::renderer(&spec, spec.spec.seed);
    for frame in &frames {
        let single = alone.render(frame.index).unwrap();
        assert_eq!(single.index, frame.index);
        assert!(
            files_of(&single, &spec) == files_of(frame, &spec),
            "frame {} differs between frames() on two workers and render()",
            frame.index
        );
    }
    // The same renderer again, after the sequence gave its workers back.
    let again = pipelined.render(5).unwrap();
    assert!(files_of(&again, &spec) == files_of(&frames[2], &spec));
}

#[test]
fn a_frame_holds_its_images_labels_and_coco_records() {
    let spec = quickstart();
    let mut r = common::renderer(&spec, spec.spec.seed);
    let frame = r.render(1).unwrap();
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    assert_eq!((w, h), (160, 120));
    assert_eq!(frame.buffers.rgb.len(), w * h * 3);
    assert_eq!(frame.buffers.depth.len(), w * h);
    let class = frame.class_ids();
    assert_eq!(class.len(), w * h);
    // Each labelled instance's visible pixels are where the instance image holds its id,
    // and carry its category in the class image.
    let mut seen = 0;
    for inst in &frame.labels.instances {
        let pixels: Vec<usize> = (0..w * h)
            .filter(|&i| frame.buffers.instance[i] == u32::from(inst.instance_id))
            .collect();
        assert_eq!(
            pixels.len() as u64,
            inst.area,
            "instance {}",
            inst.instance_id
        );
        assert!(pixels.iter().all(|&i| class[i] == inst.category_id));
        assert!(pixels.iter().all(|&i| frame.buffers.depth[i] > 0.0));
        seen += usize::from(inst.area > 0);
    }
    assert!(seen > 0, "the quickstart's frame 1 shows objects");
    // The COCO records cover the visible instances, numbered from the id given.
    let anns = frame.coco_annotations(10);
    assert_eq!(anns.len(), seen);
    assert_eq!(anns[0].id, 10);
    assert!(anns.iter().all(|a| a.image_id == 2));
    let image = frame.coco_image(&spec.spec.outputs);
    assert_eq!((image.id, image.width, image.height), (2, 160, 120));
    assert_eq!(image.file_name, "rgb/000001.png");
}

#[test]
fn a_dropped_sequence_gives_its_workers_back() {
    let spec = quickstart();
    let options = RenderOptions {
        workers: Some(2),
        ..common::render_options()
    };
    let mut r = Renderer::new(&spec, options).unwrap();
    let first = r.frames(0..8).next().unwrap().unwrap();
    assert_eq!(first.index, 0);
    // The sequence is gone with six frames unrendered or in flight: the renderer works on.
    let later: Vec<u64> = r.frames(6..8).map(|f| f.unwrap().index).collect();
    assert_eq!(later, [6, 7]);
    assert_eq!(r.render(0).unwrap().buffers.rgb, first.buffers.rgb);
}

#[test]
fn a_cancelled_sequence_ends_with_the_signal() {
    let spec = quickstart();
    let mut r = common::renderer(&spec, 0);
    let cancel = Cancel::new();
    r.set_cancel(cancel.clone());
    let mut frames = r.frames(0..50);
    assert!(frames.next().unwrap().is_ok());
    cancel.request(15);
    let rest: Vec<_> = frames.collect();
    assert!(rest.len() < 49, "stops early ({} more frames)", rest.len());
    match rest.last() {
        Some(Err(RenderError::Interrupted { signal: 15 })) => {}
        other => panic!("expected the interruption last, got {other:?}"),
    }
}

#[test]
fn renderers_open_on_several_threads_at_once_and_move_between_threads() {
    let spec = quickstart();
    let reference = common::renderer(&spec, 0).render(2).unwrap();
    // Opened at the same moment on four threads (instance creation is serialized inside).
    let barrier = std::sync::Barrier::new(4);
    let renderers: Vec<Renderer> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    common::renderer(&spec, 0)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Each moves to a thread of its own and renders there.
    let frames: Vec<Frame> = renderers
        .into_iter()
        .map(|mut r| std::thread::spawn(move || r.render(2).unwrap()))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    for f in &frames {
        assert!(files_of(f, &spec) == files_of(&reference, &spec));
    }
}
