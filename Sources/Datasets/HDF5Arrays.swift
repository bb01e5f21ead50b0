import Foundation
import HDF5Support

/// HDF5 datasets as arrays (`file.h5:/path/to/dataset`): 8-bit data stay compact, everything
/// numeric else becomes float32 (integer labels included; they are checked to be whole numbers later).
enum HDF5Arrays {
    static func read(file: String, dataset: String) throws(DatasetError) -> NumericArray {
        guard !dataset.isEmpty else { throw DatasetError(file: file, "name the dataset inside the file, e.g. \(file):/images") }
        do {
            let h5 = try HDF5File(reading: URL(fileURLWithPath: file))
            guard try h5.kind(of: dataset) == .dataset else {
                throw DatasetError(file: file, "has no dataset '\(dataset)'")
            }
            switch try h5.readNumeric(path: dataset) {
            case .uint8(let shape, let values): return NumericArray(shape: shape, storage: .uint8(values))
            case .float(let shape, let values): return NumericArray(shape: shape, storage: .float32(values))
            }
        } catch let error as DatasetError {
            throw error
        } catch let error as HDF5Error {
            // Its description starts with the file too; say it once.
            throw DatasetError(file: file, error.object.map { "'\($0)': \(error.message)" } ?? error.message)
        } catch {
            throw DatasetError(file: file, "\(error)")
        }
    }
}
